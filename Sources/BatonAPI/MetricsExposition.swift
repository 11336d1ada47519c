/// What `GET /metrics` serves: the composition root's exporter (Prometheus' text format).
///
/// A protocol here, not the exporter itself, so the API depends on no metrics backend.
public protocol MetricsExposition: Sendable {
    /// The metrics as they stand now, in Prometheus' text exposition format.
    func exposition() async -> [UInt8]
}
