import BatonCore
import BatonExpressions
import BatonStore
import BatonStoreSQLite
import Testing

/// Prints commit throughput of the hot path; asserts nothing, so it cannot flake on a slow disk.
///
/// One step transition is what the engine commits per task result: the instance upsert, two
/// history events (TaskCompleted of one step, TaskScheduled of the next), two outbox rows (task
/// request, lifecycle event) and one dedupe mark.
@Suite("SQLite throughput", .serialized)
struct SQLiteThroughputTests {
    @Test(arguments: [SQLiteStore.Synchronous.full, .normal])
    func commitThroughput(_ synchronous: SQLiteStore.Synchronous) async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let store = try await SQLiteStore.open(.init(path: directory + "/baton.db", synchronous: synchronous))
        var instances = (0..<100).map { n in plainInstance("bench-\(n)") }
        try await store.commit(StoreBatch(instances: instances))
        var revisions = Dictionary(uniqueKeysWithValues: instances.map { ($0.id, Int64(1)) })
        var transition = 0

        for (batchSize, batchCount) in [(1, 3000), (100, 60)] {
            // Built up front, so the timing covers commit (encoding + writing) and nothing else.
            var batches: [StoreBatch] = []
            for _ in 0..<batchCount {
                var batch = StoreBatch()
                for index in 0..<batchSize {
                    transition += 1
                    let step = instances[index].taskSequence
                    instances[index] = Self.advance(instances[index], at: at(Int64(transition)))
                    Self.append(instances[index], step: step, transition: transition, to: &batch)
                }
                batches.append(batch)
            }
            let clock = ContinuousClock()
            let start = clock.now
            var commits = 0
            // Bounded in time too, for slow disks.
            for var batch in batches where clock.now - start < .milliseconds(1200) {
                // The revision each instance was decided from, as a single writer knows it.
                for instance in batch.instances {
                    batch.decidedFrom[instance.id] = revisions[instance.id]
                    revisions[instance.id, default: 0] += 1
                }
                try await store.commit(batch)
                commits += 1
            }
            let elapsed = (clock.now - start).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            let perSecond = Double(commits) / seconds
            print("SQLite commit throughput, synchronous \(synchronous.rawValue), \(batchSize) transition(s)/txn: "
                + "\(Int(perSecond)) txn/s = \(Int(perSecond * Double(batchSize))) transitions/s (\(commits) commits)")
            // Keep the outbox small, as the relay would.
            let pending = try await store.pendingOutbox(limit: 100_000)
            try await store.markOutboxSent(pending.map(\.sequence))
        }
        await store.close()
    }

    /// One step transition's rows: instance, two history events, two outbox rows, one dedupe mark.
    static func append(_ instance: WorkflowInstance, step: Int, transition: Int, to batch: inout StoreBatch) {
        batch.instances.append(instance)
        batch.history.append(InstanceHistoryEvent(instanceId: instance.id, event: HistoryEvent(
            sequence: instance.historySequence - 1, time: instance.updatedAt, type: .taskCompleted, stepId: "step-\(step % 5)",
            taskId: "\(instance.id).\(step)", attempt: 1, data: ["output": ["value": .number(Double(transition))], "workerId": "w-1"])))
        batch.history.append(InstanceHistoryEvent(instanceId: instance.id, event: HistoryEvent(
            sequence: instance.historySequence, time: instance.updatedAt, type: .taskScheduled, stepId: "step-\((step + 1) % 5)",
            taskId: "\(instance.id).\(step + 1)", attempt: 1, data: ["taskType": "work", "input": ["n": .number(Double(step))]])))
        batch.outbox.append(OutboxMessage(
            topic: "baton.tasks", key: Array(instance.id.utf8), value: [UInt8](repeating: 1, count: 300),
            headers: [OutboxHeader(key: "type", value: Array("TaskRequest".utf8))]))
        batch.outbox.append(OutboxMessage(topic: "baton.lifecycle", key: Array(instance.id.utf8), value: [UInt8](repeating: 2, count: 250)))
        batch.dedupe["result:\(instance.id).\(step)/COMPLETED"] = "digest-\(transition)"
    }

    /// The instance after one more task step: previous task done, next one scheduled.
    static func advance(_ instance: WorkflowInstance, at time: Timestamp) -> WorkflowInstance {
        var next = instance
        let step = next.taskSequence
        if step > 0 {
            next.root.steps["step-\(step % 5)"] = StepState(status: .completed, output: ["value": .number(Double(step))], taskId: "\(next.id).\(step)", startedAt: next.updatedAt, completedAt: time)
            next.activeTasks.removeValue(forKey: "\(next.id).\(step)")
        }
        next.taskSequence += 1
        next.historySequence += 2
        let taskId = "\(next.id).\(next.taskSequence)"
        // Keep a bounded number of steps, like a real definition (loops revisit the same ids).
        next.root.steps["step-\(next.taskSequence % 5)"] = StepState(status: .scheduled, taskId: taskId, startedAt: time)
        next.activeTasks[taskId] = ActiveTask(taskId: taskId, stepId: "step-\(next.taskSequence % 5)", attempt: 1, scheduledAt: time)
        next.updatedAt = time
        return next
    }
}
