import BatonCore
import BatonExpressions

/// A `StoreBatch` with every JSON document already serialised, ready to bind: shared by the SQL
/// backends (package access), so SQLite and PostgreSQL store the same bytes.
///
/// Built on the caller's task so that the store's queue spends its time writing, not encoding;
/// with two cores the engine can encode the next batch while the database syncs this one. Hot columns
/// (instance state, history data) are written with unsorted keys: sorting cost 40% of the
/// serialisation time, and nothing compares these bytes (readers parse them).
package struct EncodedBatch: Sendable {
    package struct Instance: Sendable {
        package var id: String
        package var workflowId: String
        package var workflowVersion: Int
        package var status: String
        package var createdAt: Int64
        package var updatedAt: Int64
        package var state: [UInt8]
        package var terminal: Bool
        /// Every part with its revision; which to write is decided at commit time.
        package var parts: [StoredPart]
        /// The instance whose `subworkflow` step started this one.
        package var parentId: String?
        package var businessKey: String?
        /// The revision the batch was decided from; nil for a new instance.
        package var decidedFrom: Int64?
    }

    package struct History: Sendable {
        package var instanceId: String
        package var sequence: Int
        package var time: Int64
        package var type: String
        package var stepId: String?
        package var taskId: String?
        package var attempt: Int?
        package var data: [UInt8]?
        package var executionId: String?
    }

    package enum StepChange: Sendable {
        case scheduled(instanceId: String, taskId: String, attempt: Int, stepId: String, input: [UInt8]?, at: Int64, historySequence: Int)
        case completed(instanceId: String, taskId: String, attempt: Int?, output: [UInt8]?, at: Int64)
        case failed(instanceId: String, taskId: String, attempt: Int?, error: [UInt8]?, at: Int64)
    }

    package struct Outbox: Sendable {
        package var topic: String
        package var key: [UInt8]?
        package var value: [UInt8]
        package var headers: [UInt8]?

        package init(topic: String, key: [UInt8]?, value: [UInt8], headers: [UInt8]?) {
            self.topic = topic
            self.key = key
            self.value = value
            self.headers = headers
        }

        /// A message with its headers encoded as the outbox stores them.
        package init(_ message: OutboxMessage) {
            self.init(topic: message.topic, key: message.key, value: message.value, headers: OutboxHeaderCoding.encode(message.headers))
        }
    }

    package var instances: [Instance] = []
    package var history: [History] = []
    package var steps: [StepChange] = []
    package var outbox: [Outbox] = []
    package var held: [(gate: String, message: Outbox, taskId: String?)] = []
    package var withdrawnTasks: [String] = []
    package var dedupe: [(key: String, value: String)] = []
    package var timers: [TimerChange] = []
    package var waits: [WaitChange] = []
    package var bufferedEvents: [(event: BufferedEvent, data: [UInt8])] = []
    package var consumedEvents: [String] = []
    package var eventsExpiredBefore: Int64?
    package var deadLetters: [(record: DeadLetterRecord, headers: [UInt8]?)] = []
    package var redriven: [Int64] = []
    package var redrivenAt: Int64?

    package init(_ batch: StoreBatch) {
        instances.reserveCapacity(batch.instances.count)
        for instance in batch.instances {
            instances.append(Instance(
                id: instance.id, workflowId: instance.workflowId, workflowVersion: instance.workflowVersion,
                status: instance.status.rawValue, createdAt: instance.createdAt.milliseconds,
                updatedAt: instance.updatedAt.milliseconds, state: StoredInstanceEncoder.encode(instance),
                terminal: instance.status.isTerminal, parts: StoredInstanceEncoder.parts(of: instance),
                parentId: instance.parent?.instanceId, businessKey: instance.businessKey, decidedFrom: batch.decidedFrom[instance.id]))
        }
        history.reserveCapacity(batch.history.count)
        for item in batch.history {
            let event = item.event
            history.append(History(
                instanceId: item.instanceId, sequence: event.sequence, time: event.time.milliseconds, type: event.type.rawValue,
                stepId: event.stepId, taskId: event.taskId, attempt: event.attempt,
                data: event.data.isNull ? nil : event.data.serializedBytes(sortedKeys: false), executionId: event.executionId))
            switch StepExecutionChange(item) {
            case .scheduled(let execution, let sequence):
                steps.append(.scheduled(
                    instanceId: execution.instanceId, taskId: execution.taskId, attempt: execution.attempt, stepId: execution.stepId,
                    input: execution.input?.serializedBytes(sortedKeys: false), at: execution.scheduledAt.milliseconds, historySequence: sequence))
            case .completed(let instanceId, let taskId, let attempt, let output, let at):
                steps.append(.completed(instanceId: instanceId, taskId: taskId, attempt: attempt, output: output?.serializedBytes(sortedKeys: false), at: at.milliseconds))
            case .failed(let instanceId, let taskId, let attempt, let error, let at):
                steps.append(.failed(instanceId: instanceId, taskId: taskId, attempt: attempt, error: error?.serializedBytes(sortedKeys: false), at: at.milliseconds))
            case nil:
                break
            }
        }
        outbox = batch.outbox.map(Outbox.init)
        held = batch.held.map { (gate: $0.gate, message: Outbox($0.message), taskId: $0.taskId) }
        withdrawnTasks = batch.withdrawnTasks
        dedupe = batch.dedupe.map { (key: $0.key, value: $0.value) }
        timers = batch.timers
        waits = batch.waits
        bufferedEvents = batch.bufferedEvents.map { ($0, $0.data.serializedBytes(sortedKeys: false)) }
        consumedEvents = batch.consumedEvents
        eventsExpiredBefore = batch.eventsExpiredBefore?.milliseconds
        deadLetters = batch.deadLetters.map { (record: $0, headers: OutboxHeaderCoding.encode($0.headers)) }
        redriven = batch.redriven
        redrivenAt = batch.redrivenAt?.milliseconds
    }
}
