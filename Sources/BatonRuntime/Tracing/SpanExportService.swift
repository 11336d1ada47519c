import BatonTracing
import Logging
import ServiceLifecycle
import Synchronization

/// Sends buffered spans to an OTLP collector once a second, in requests of at most 512 spans,
/// and once more at shutdown. Tracing is best effort: a request that fails is logged (at most once
/// a minute) and its spans dropped and counted, never retried into a growing pile; workflow state
/// never waits on it.
public final class SpanExportService: Service, Sendable {
    public typealias Post = @Sendable ([UInt8]) async throws -> Void

    let buffer: SpanBuffer
    /// Turned into spans just before each export (see `SpanReporter.flush`).
    let reporter: SpanReporter?
    let encoder: OTLPJSONEncoder
    let post: Post
    let metrics: RuntimeMetrics?
    let logger: Logger
    let interval: Duration
    static let batchLimit = 512
    private let reported = Mutex<(dropped: Int, lastWarning: ContinuousClock.Instant?)>((0, nil))

    public init(buffer: SpanBuffer, reporter: SpanReporter?, encoder: OTLPJSONEncoder, interval: Duration = .seconds(1), metrics: RuntimeMetrics?, logger: Logger, post: @escaping Post) {
        self.buffer = buffer
        self.reporter = reporter
        self.encoder = encoder
        self.interval = interval
        self.post = post
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let interval = interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await exportBuffered()
        }
    }

    /// Sends everything buffered now. Returns the number of spans the collector accepted.
    @discardableResult
    public func exportBuffered() async -> Int {
        reporter?.flush()
        var exported = 0
        while true {
            let spans = buffer.drain(limit: Self.batchLimit)
            if spans.isEmpty { break }
            do {
                try await post(encoder.encode(spans))
                exported += spans.count
                metrics?.counter(BatonMetric.spansExported, []).increment(by: Int64(spans.count))
            } catch {
                metrics?.counter(BatonMetric.spansDropped, ["export_failed"]).increment(by: Int64(spans.count))
                warn("spans could not be exported; they are dropped (tracing is best effort)", error: "\(error)", spans: spans.count)
                break
            }
        }
        let dropped = buffer.dropped + (reporter?.dropped ?? 0)
        let newlyDropped = reported.withLock { state in
            defer { state.dropped = dropped }
            return dropped - state.dropped
        }
        if newlyDropped > 0 {
            metrics?.counter(BatonMetric.spansDropped, ["buffer_full"]).increment(by: Int64(newlyDropped))
            warn("the span buffer was full; spans were dropped", error: "\(buffer.capacity) spans waiting", spans: newlyDropped)
        }
        return exported
    }

    private func warn(_ message: Logger.Message, error: String, spans: Int) {
        let now = ContinuousClock.now
        let due = reported.withLock { state in
            guard state.lastWarning.map({ now - $0 >= .seconds(60) }) ?? true else { return false }
            state.lastWarning = now
            return true
        }
        if due { logger.warning(message, metadata: ["error": "\(error)", "spans": "\(spans)"]) }
    }
}
