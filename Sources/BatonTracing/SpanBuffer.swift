import Synchronization

/// Ended spans waiting for the exporter: bounded, so a collector that is down or slow costs a
/// known amount of memory; spans beyond the bound are dropped and counted, never queued without
/// end (tracing is best effort; workflow state never waits on it).
public final class SpanBuffer: Sendable {
    public let capacity: Int
    private let state = Mutex<(spans: [FinishedSpan], dropped: Int)>(([], 0))

    public init(capacity: Int = 8_192) {
        precondition(capacity > 0, "a span buffer holds at least one span")
        self.capacity = capacity
    }

    func append(_ span: FinishedSpan) {
        state.withLock { state in
            if state.spans.count < capacity { state.spans.append(span) } else { state.dropped += 1 }
        }
    }

    /// Takes at most `limit` spans, oldest first.
    public func drain(limit: Int) -> [FinishedSpan] {
        state.withLock { state in
            let taken = Array(state.spans.prefix(limit))
            state.spans.removeFirst(taken.count)
            return taken
        }
    }

    public var count: Int { state.withLock { $0.spans.count } }

    /// Spans dropped because the buffer was full, since the start.
    public var dropped: Int { state.withLock { $0.dropped } }
}
