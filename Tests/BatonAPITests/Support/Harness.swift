import BatonCore
import BatonRuntime
import BatonStore
import Logging
import Synchronization

/// The real service under the API: a `WorkflowAPIService` over an `Orchestrator` and an
/// `InMemoryStore`, with a manual clock and predictable instance ids so responses can be asserted
/// exactly.
struct Harness: Sendable {
    let orchestrator: Orchestrator
    let readiness = Readiness()
    let service: WorkflowAPIService
    /// Schedules on the same store, decided on the same clock.
    let schedules: ScheduleAPIService
    let clock: ManualClock

    init(limits: ConcurrencyLimits = ConcurrencyLimits()) {
        let clock = ManualClock(start: Harness.start)
        let ids = IdSequence()
        self.clock = clock
        let store = InMemoryStore()
        var configuration = OrchestratorConfiguration()
        configuration.limits = limits
        let orchestrator = Orchestrator(store: store, configuration: configuration, clock: { clock.now }, makeId: { ids.next() })
        self.orchestrator = orchestrator
        let service = WorkflowAPIService(orchestrator: orchestrator, readiness: readiness)
        self.service = service
        let runner = ScheduleService(store: store, workflows: service, clock: { clock.now }, logger: Logger(label: "baton.api.tests"))
        self.schedules = ScheduleAPIService(store: store, workflows: service, runner: runner, clock: { clock.now })
    }

    /// 2027-01-15T08:00:00.000Z.
    static let start = Timestamp(milliseconds: 1_800_000_000_000)
}

/// Time that moves only when a test says so.
final class ManualClock: Sendable {
    private let milliseconds: Mutex<Int64>

    init(start: Timestamp) { milliseconds = Mutex(start.milliseconds) }

    var now: Timestamp { Timestamp(milliseconds: milliseconds.withLock { $0 }) }

    func advance(byMilliseconds delta: Int64) {
        milliseconds.withLock { $0 += delta }
    }
}

/// `inst-1`, `inst-2`, …
final class IdSequence: Sendable {
    private let counter = Mutex(0)

    func next() -> String {
        "inst-\(counter.withLock { value in value += 1; return value })"
    }
}
