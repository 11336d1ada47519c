/// Calls a librdkafka function that reports failures through a `char *errstr, size_t size`
/// out-parameter, and returns its result with that text.
func withErrorText<R>(_ body: (UnsafeMutablePointer<CChar>, Int) -> R) -> (R, String) {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
        buffer.initialize(repeating: 0)
        let result = body(buffer.baseAddress!, buffer.count - 1)
        return (result, String(cString: buffer.baseAddress!))
    }
}
