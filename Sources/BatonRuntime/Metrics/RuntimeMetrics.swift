import CoreMetrics
import Synchronization

/// The runtime's instruments, recorded through swift-metrics with a factory the composition root
/// gives (the Prometheus exporter in `baton serve`; none in tests that do not look).
///
/// Handles are made once per label set and kept, so recording a step costs a dictionary lookup
/// and the backend's own update, under no lock of the commit path's.
public final class RuntimeMetrics: Sendable {
    let factory: any MetricsFactory
    private let handles = Mutex(Handles())
    private let commitTimer: CoreMetrics.Timer

    private struct Handles {
        var timers: [[String]: CoreMetrics.Timer] = [:]
        var counters: [[String]: CoreMetrics.Counter] = [:]
        var codes = LabelBudget(limit: 100)
    }

    public init(factory: any MetricsFactory) {
        self.factory = factory
        self.commitTimer = CoreMetrics.Timer(label: BatonMetric.commitDuration.name, dimensions: [], factory: factory)
    }

    /// One batch committed in `duration`, with what its lifecycle events said.
    func committed(_ observations: [MetricObservation], in duration: Duration) {
        let (seconds, attoseconds) = duration.components
        commitTimer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        for observation in observations { record(observation) }
    }

    private func record(_ observation: MetricObservation) {
        switch observation {
        case .workflowStarted(let workflow):
            counter(BatonMetric.workflowsStarted, [workflow]).increment()
        case .workflowEnded(let workflow, let status, let seconds):
            timer(BatonMetric.workflowDuration, [workflow, status]).recordSeconds(seconds)
        case .stepEnded(let workflow, let step, let outcome, let seconds):
            timer(BatonMetric.stepDuration, [workflow, step, outcome]).recordSeconds(seconds)
        case .stepError(let workflow, let step, let code):
            counter(BatonMetric.stepErrors, [workflow, step, code], boundedLast: true).increment()
        }
    }

    private func timer(_ metric: MetricDescription, _ values: [String]) -> CoreMetrics.Timer {
        cached(metric, values, \.timers) { CoreMetrics.Timer(label: metric.name, dimensions: $0, factory: factory) }
    }

    /// `boundedLast`: the last label comes from outside (a worker's error code); past the budget
    /// of distinct values it is reported as `OTHER`, so a worker that puts ids in its codes cannot
    /// grow the exposition without bound.
    func counter(_ metric: MetricDescription, _ values: [String], boundedLast: Bool = false) -> CoreMetrics.Counter {
        var values = values
        if boundedLast, let last = values.last {
            values[values.count - 1] = handles.withLock { $0.codes.admit(last) }
        }
        return cached(metric, values, \.counters) { CoreMetrics.Counter(label: metric.name, dimensions: $0, factory: factory) }
    }

    /// The handle of `metric` with label `values`, made once (outside the lock) and kept.
    private func cached<Handle: Sendable>(
        _ metric: MetricDescription, _ values: [String], _ table: WritableKeyPath<Handles, [[String]: Handle]>, make: ([(String, String)]) -> Handle
    ) -> Handle {
        let key = [metric.name] + values
        if let handle = handles.withLock({ $0[keyPath: table][key] }) { return handle }
        let made = make(Array(zip(metric.labels, values)))
        return handles.withLock { h in
            if let existing = h[keyPath: table][key] { return existing }
            h[keyPath: table][key] = made
            return made
        }
    }
}

/// Admits at most `limit` distinct values of a label, and at most 64 characters of each; the rest
/// become `OTHER`.
struct LabelBudget {
    let limit: Int
    private(set) var admitted: Set<String> = []

    init(limit: Int) { self.limit = limit }

    mutating func admit(_ value: String) -> String {
        let value = value.count > 64 ? String(value.prefix(64)) : value
        if admitted.contains(value) { return value }
        guard admitted.count < limit else { return "OTHER" }
        admitted.insert(value)
        return value
    }
}
