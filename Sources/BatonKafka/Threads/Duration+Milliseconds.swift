extension Duration {
    /// Whole milliseconds, clamped to `Int32` as librdkafka's `int timeout_ms` parameters expect.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, total))
    }
}
