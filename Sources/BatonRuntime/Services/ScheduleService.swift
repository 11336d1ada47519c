import BatonCore
import BatonExpressions
import BatonScheduling
import BatonStore
import Foundation
import Logging
import ServiceLifecycle

/// Starts workflow instances when schedules fall due.
///
/// Stateless like the timer service: schedules are rows, so one that fell due while Baton was down
/// is decided as soon as this service starts (its catch-up window says which fire times still
/// run). Each look plans with the pure `SchedulePlanner`, starts each instance with the fire time
/// in its idempotency key, then writes the schedule's state by compare-and-set: processes looking
/// at the same schedule at once start one instance per fire time between them, and the loser of
/// the compare-and-set leaves the schedule to the winner.
public final class ScheduleService: Service, Sendable {
    public struct Configuration: Sendable {
        /// Longest sleep without looking at the store. Default: 1 s.
        public var maxSleep: Duration
        /// Schedules decided per look. Default: 100.
        public var batchSize: Int
        /// While a fire time waits in `bufferOne`, how soon to look again for the run's end. Default: 1 s.
        public var bufferedRecheck: Int64

        public init(maxSleep: Duration = .seconds(1), batchSize: Int = 100, bufferedRecheckMilliseconds: Int64 = 1000) {
            self.maxSleep = maxSleep
            self.batchSize = batchSize
            self.bufferedRecheck = bufferedRecheckMilliseconds
        }
    }

    /// What one look did, for logs and tests.
    public struct Look: Sendable, Hashable {
        public var decided = 0
        public var started: [String] = []
        public var skipped = 0
        public var missed = 0
        /// Updates another process made first (its decision stands).
        public var lostRaces = 0

        public init() {}
    }

    let store: any ScheduleStore
    let workflows: any WorkflowService
    let clock: @Sendable () -> Timestamp
    let configuration: Configuration
    let metrics: RuntimeMetrics?
    let logger: Logger

    public init(
        store: any ScheduleStore, workflows: any WorkflowService, clock: @escaping @Sendable () -> Timestamp = { .wallClock },
        configuration: Configuration = Configuration(), metrics: RuntimeMetrics? = nil, logger: Logger
    ) {
        self.metrics = metrics
        self.store = store
        self.workflows = workflows
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        var backoff = Backoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                _ = try await look()
                backoff.succeeded()
                let pause = configuration.maxSleep
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                logger.warning("schedules could not be read or decided; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                await backoff.pause()
            }
        }
    }

    /// Decides every schedule due now.
    public func look() async throws(StoreError) -> Look {
        let now = clock()
        var look = Look()
        for record in try await store.dueSchedules(until: now, limit: configuration.batchSize) {
            do {
                _ = try await decide(record, now: now, into: &look)
            } catch let error as StoreError where error.code == .stale {
                look.lostRaces += 1
            } catch let error as ScheduleDocumentError {
                await park(record, now: now, reason: "its document is not a valid schedule: \(error)")
            } catch let error as StoreError where error.code == .corrupt {
                await park(record, now: now, reason: error.message)
            } catch {
                logger.error("schedule could not be decided", metadata: ["schedule": "\(record.id)", "error": "\(error)"])
            }
        }
        return look
    }

    /// Decides one schedule at `now` (an operator's trigger-now when asked) and stores the outcome.
    public func decide(_ record: ScheduleRecord, now: Timestamp, triggerNow: Bool = false, into look: inout Look) async throws -> ScheduleRecord {
        let document = try ScheduleDocument(parsing: record.document)
        guard var state = ScheduleState(json: record.state) else {
            throw StoreError(.corrupt, "the state of schedule '\(record.id)' is not a schedule state: \(record.state.serialized())")
        }
        var active: [String] = []
        for id in state.activeInstanceIds {
            if let instance = try? await workflows.instance(id: id), !instance.status.isTerminal { active.append(id) }
        }
        state.activeInstanceIds = active
        var plan = SchedulePlanner.plan(document.spec, state: state, running: active.count, now: now.date, triggerNow: triggerNow)
        look.decided += 1
        for action in plan.actions {
            switch action {
            case .start(let fireTime):
                let id = try await start(document, fireTime: fireTime)
                if !plan.state.activeInstanceIds.contains(id) { plan.state.activeInstanceIds.append(id) }
                look.started.append(id)
            case .cancelRunning:
                for id in plan.state.activeInstanceIds {
                    _ = try? await workflows.cancelInstance(id: id, reason: "schedule '\(document.id)' started a newer run (overlap: cancelPrevious)", by: "schedule:\(document.id)")
                }
                plan.state.activeInstanceIds = []
            case .skippedOverlap(let fireTime):
                look.skipped += 1
                logger.info("scheduled run skipped: the previous one is still running", metadata: ["schedule": "\(document.id)", "fireTime": "\(fireTime)"])
            case .buffered:
                break
            case .missed(let count, let first, let last):
                look.missed += count
                logger.warning(
                    "scheduled runs missed: older than the catch-up window", metadata: ["schedule": "\(document.id)", "count": "\(count)", "first": "\(first)", "last": "\(last)"])
            }
        }
        var updated = record
        updated.state = plan.state.json
        updated.updatedAt = now
        updated.nextFireAt = nextLook(plan, now: now)
        let stored = try await store.updateSchedule(updated, expectedVersion: record.version)
        // Counted once the decision stands: a process that lost the compare-and-set counts nothing.
        if let metrics {
            for (outcome, count) in [("started", plan.state.tally.started - state.tally.started), ("skipped", plan.state.tally.skipped - state.tally.skipped),
                                     ("missed", plan.state.tally.missed - state.tally.missed), ("buffered", plan.actions.filter { if case .buffered = $0 { true } else { false } }.count)]
            where count > 0 {
                metrics.counter(BatonMetric.scheduleFireTimes, [document.id, outcome]).increment(by: Int64(count))
            }
        }
        return stored
    }

    /// A schedule that cannot be read (written by hand into the database, or by a newer Baton)
    /// is taken out of the due index with one error line, instead of one every second.
    private func park(_ record: ScheduleRecord, now: Timestamp, reason: String) async {
        logger.error("schedule parked: it is not due again until it is replaced", metadata: ["schedule": "\(record.id)", "reason": "\(reason)"])
        var parked = record
        parked.nextFireAt = nil
        parked.updatedAt = now
        _ = try? await store.updateSchedule(parked, expectedVersion: record.version)
    }

    /// The next fire time, sooner while a buffered fire time waits for a run to end; none while paused.
    func nextLook(_ plan: SchedulePlan, now: Timestamp) -> Timestamp? {
        let next = plan.wakeAt.map(Timestamp.init(date:))
        guard plan.state.buffered != nil else { return plan.state.paused ? nil : next }
        let recheck = Timestamp(milliseconds: now.milliseconds + configuration.bufferedRecheck)
        return next.map { min($0, recheck) } ?? recheck
    }

    /// One instance per fire time, whoever asks: the fire time is in the idempotency key.
    private func start(_ document: ScheduleDocument, fireTime: Date) async throws -> String {
        let fired = Timestamp(date: fireTime)
        let context: JSONValue = ["schedule": ["id": .string(document.id), "workflowId": .string(document.workflowId), "fireTime": .string(fired.iso8601)]]
        let input = try JSONTemplate(parsing: document.input).render(in: context)
        let started = try await workflows.startInstance(workflowId: document.workflowId, version: nil, input: input, idempotencyKey: "schedule:\(document.id):\(fired.milliseconds)")
        return started.instance.id
    }
}
