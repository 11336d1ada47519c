import Synchronization

/// Measures a step's latency inside Baton: from the moment the consumer polled a task result to
/// the delivery report of the task request it caused (durably written, `acks=all`).
///
/// A benchmark instrument: matching is per instance, first in first out, which is exact for the
/// sequential steps the benchmark runs. Costs a dictionary update per step, so it is off (nil)
/// unless the benchmark installs one.
public final class StepLatencyProbe: Sendable {
    private struct State {
        var pending: [String: [ContinuousClock.Instant]] = [:]
        var samples: [Double] = []
        var stages: [String: [Double]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// A result of `instanceId` polled at `since` was applied and dispatched a task.
    func expect(instanceId: String, since: ContinuousClock.Instant) {
        state.withLock { $0.pending[instanceId, default: []].append(since) }
    }

    /// Task requests of these instances were delivered now.
    public func delivered(instanceIds: [String]) {
        let now = ContinuousClock.now
        state.withLock { s in
            for id in instanceIds {
                guard var queue = s.pending[id], !queue.isEmpty else { continue }
                let since = queue.removeFirst()
                s.pending[id] = queue.isEmpty ? nil : queue
                s.samples.append((now - since).seconds * 1000)
            }
        }
    }

    /// One sample of a stage of the path (milliseconds), to show where the latency goes.
    func stage(_ name: String, _ duration: Duration) {
        let ms = duration.seconds * 1000
        state.withLock { $0.stages[name, default: []].append(ms) }
    }

    /// Percentiles of every stage, by name.
    public func stagePercentiles() -> [(name: String, p50: Double, p99: Double, count: Int)] {
        let stages = state.withLock { $0.stages }
        return stages.keys.sorted().map { name in
            let sorted = stages[name]!.sorted()
            func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
            return (name, at(0.5), at(0.99), sorted.count)
        }
    }

    public func reset() { state.withLock { $0 = State() } }

    /// Latency percentiles in milliseconds, and the sample count.
    public func percentiles() -> (p50: Double, p99: Double, count: Int) {
        let sorted = state.withLock { $0.samples }.sorted()
        guard !sorted.isEmpty else { return (0, 0, 0) }
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
        return (at(0.5), at(0.99), sorted.count)
    }
}
