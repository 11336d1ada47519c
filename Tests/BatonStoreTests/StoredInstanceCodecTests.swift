import BatonCore
import BatonExpressions
import BatonStore
import Foundation
import Testing

/// The stored form is read back exactly as written, and documents written by older versions are
/// upgraded as they are read.
@Suite("Stored instance codec")
struct StoredInstanceCodecTests {
    let t0 = Timestamp(milliseconds: 1_800_000_000_000)
    var t1: Timestamp { t0.adding(milliseconds: 1_000) }
    var t2: Timestamp { t0.adding(milliseconds: 2_000) }
    var t3: Timestamp { t0.adding(milliseconds: 3_000) }

    func roundTrip(_ instance: WorkflowInstance) throws -> WorkflowInstance {
        try StoredInstanceDecoder.decode(JSONValue.parse(StoredInstanceEncoder.encode(instance)))
    }

    @Test func everyFieldComesBackAsWritten() throws {
        var root = Execution(id: Execution.rootId, startedAt: t0)
        root.steps = [
            "reserve": StepState(status: .completed, output: ["ok": true, "n": 1e-7], attempt: 2, executions: 3, taskId: "i-1.2", startedAt: t0, completedAt: t1),
            "charge": StepState(
                status: .failed, error: ErrorInfo(code: "DECLINED", message: "no\nfunds", retryable: true, details: ["limit": 10], stepId: "charge", attempt: 1, time: t2),
                startedAt: t1, completedAt: t2
            ),
            "checks": StepState(status: .scheduled, startedAt: t2),
            "ship-it": StepState(status: .running, attempt: 2, childId: "i-1.6", startedAt: t1),
        ]
        root.lastStepId = "charge"
        root.handlingFailure = ErrorInfo(code: "HANDLING", message: "in handler")
        let branch = Execution(
            id: "checks/stock", parentId: Execution.rootId, parentStepId: "checks", status: .failed,
            steps: ["ship": StepState(status: .scheduled, taskId: "i-1.5", startedAt: t2)], lastStepId: "ship",
            output: ["x": 1], error: ErrorInfo(code: "E", message: "m"), scope: ["item": ["sku": "a"], "index": 3], startedAt: t2, completedAt: t3
        )
        var instance = WorkflowInstance(
            id: "i-1", workflowId: "orders", workflowVersion: 3, status: .failed, input: ["order": ["total": 12.5, "items": ["a", "b\"c"]]],
            executions: [Execution.rootId: root, branch.id: branch], vars: ["total": 37, "note": .null], output: ["done": false],
            error: ErrorInfo(code: "STEP_FAILED", message: "charge failed"),
            activeTasks: [
                "i-1.5": ActiveTask(taskId: "i-1.5", stepId: "ship", executionId: "checks/stock", attempt: 1, scheduledAt: t2, deadline: t3, lastHeartbeatAt: t2, progress: ["pct": 40]),
                "i-1.4": ActiveTask(taskId: "i-1.4", stepId: "audit", attempt: 1, scheduledAt: t1),
            ],
            createdAt: t0, updatedAt: t3, completedAt: t3, taskSequence: 7, historySequence: 19, origin: "trigger:src/e-1"
        )
        for timer in [
            InstanceTimer.retry(stepId: "charge", attempt: 2, at: t3), .retry(executionId: "checks/stock", stepId: "ship", attempt: 2, at: t3),
            .wait(executionId: "checks/stock", stepId: "cool", execution: 2, at: t2), .taskTimeout(taskId: "i-1.5", at: t3),
            .heartbeatTimeout(taskId: "i-1.5", at: t3), .startTimeout(taskId: "i-1.5", at: t3), .workflowTimeout(at: t3),
            .subworkflowTimeout(executionId: "checks/stock", stepId: "ship-it", childId: "i-1.6", at: t3),
        ] {
            instance.timers[timer.id] = timer
        }
        instance.deferred = [
            .timer(.retry(executionId: "checks/stock", stepId: "ship", attempt: 1, at: t1)),
            .result(TaskResult(taskId: "i-1.5", instanceId: "i-1", stepId: "ship", executionId: "checks/stock", attempt: 1, status: .failed, error: ErrorInfo(code: "X", message: "y"), workerId: "w")),
            .child(ChildOutcome(
                childId: "i-1.6", childWorkflowId: "shipping", parent: ParentLink(instanceId: "i-1", executionId: "root", stepId: "ship-it", depth: 2),
                status: .failed, error: ErrorInfo(code: "NOPE", message: "n")
            )),
            .child(ChildOutcome(childId: "i-1.7", childWorkflowId: "shipping", parent: ParentLink(instanceId: "i-1", executionId: "root", stepId: "ship-it", depth: 2), status: .completed, output: ["t": 1])),
        ]
        instance.parent = ParentLink(instanceId: "p-9", executionId: "each[3]", stepId: "sub", depth: 1)
        #expect(try roundTrip(instance) == instance)
        #expect(try JSONValue.parse(StoredInstanceEncoder.encode(instance))["formatVersion"] == 2)
    }

    @Test func engineMadeInstancesComeBackAsWritten() throws {
        let definition = try DefinitionCompiler.compile(text: """
            id: two
            steps:
              - {id: a, type: task, taskType: t.a, next: b, retry: {maxAttempts: 2}}
              - {id: b, type: wait, duration: 1m}
            """, version: 1)
        let engine = Engine()
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["n": 1], origin: "api"), definition: definition, now: t0)
        let f = engine.taskResultReceived(TaskResult(taskId: "i1.1", instanceId: "i1", stepId: "a", attempt: 1, status: .failed, error: ErrorInfo(code: "E", message: "m")), instance: s.instance, definition: definition, at: t1)
        let bare = WorkflowInstance(id: "i0", workflowId: "w", workflowVersion: 1, input: .null, createdAt: t0, updatedAt: t0)
        for instance in [bare, s.instance, f.instance] {
            #expect(try roundTrip(instance) == instance)
        }
    }

    @Test func aFormatNewerThanThisBatonIsRefusedWithTheVersion() throws {
        let document: JSONValue = ["formatVersion": 99, "id": "i", "workflowId": "w", "workflowVersion": 1, "status": "RUNNING", "createdAt": "2027-01-15T08:00:00.000Z", "updatedAt": "2027-01-15T08:00:00.000Z"]
        #expect(throws: StoredInstanceDecoder.Failure.self) { try StoredInstanceDecoder.decode(document) }
        do {
            _ = try StoredInstanceDecoder.decode(document)
        } catch {
            #expect(error.message.contains("stored format 99"))
        }
    }
}

/// Documents written by Baton before executions existed (format 1, checked in under
/// `Fixtures/stored-v1`, never regenerated) are read, upgraded, and run on.
@Suite("Stored instance codec: format 1 documents")
struct StoredFormatUpgradeTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/stored-v1")

    func fixture(_ name: String) throws -> JSONValue {
        try JSONValue.parse(Array(Data(contentsOf: Self.directory.appendingPathComponent(name))))
    }

    func definition() throws -> WorkflowDefinition {
        try DefinitionCompiler.compile(text: String(contentsOf: Self.directory.appendingPathComponent("definition.yaml"), encoding: .utf8), version: 1)
    }

    @Test(arguments: ["task-active.json", "retrying.json", "waiting.json", "paused-with-deferred-timer.json", "handling-failure.json", "failed.json"])
    func everyFixtureUpgradesToTheRootAndRoundTrips(_ name: String) throws {
        let old = try fixture(name)
        #expect(old["formatVersion"] == nil)
        let instance = try StoredInstanceDecoder.decode(old)
        #expect(instance.executions.keys.sorted() == [Execution.rootId])
        #expect(instance.root.steps.keys.sorted() == (old["steps"]?.objectValue ?? [:]).keys.sorted())
        #expect(instance.root.lastStepId == old["lastStepId"]?.stringValue)
        #expect(instance.root.handlingFailure?.code == old["handlingFailure"]?["code"]?.stringValue)
        #expect(instance.timers.keys.sorted() == (old["timers"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }.sorted())
        #expect(instance.timers.values.allSatisfy { $0.executionId == nil || $0.executionId == Execution.rootId })
        #expect(instance.activeTasks.values.allSatisfy { $0.executionId == Execution.rootId })
        // Written again in the current format, it reads back the same.
        let rewritten = try JSONValue.parse(StoredInstanceEncoder.encode(instance))
        #expect(rewritten["formatVersion"] == .number(Double(StoredInstanceEncoder.formatVersion)))
        #expect(try StoredInstanceDecoder.decode(rewritten) == instance)
    }

    @Test func aRetryTimerOfAnOldDocumentStillFiresIntoTheRoot() throws {
        let instance = try StoredInstanceDecoder.decode(fixture("retrying.json"))
        let timer = try #require(instance.timers["retry:charge:2"])
        let t = Engine().timerFired(timer.id, instance: instance, definition: try definition(), at: timer.fireAt)
        #expect(t.rejection == nil)
        let dispatch = try #require(t.effects.compactMap { if case .dispatchTask(let d) = $0 { d } else { nil } }.first)
        #expect(dispatch.stepId == "charge")
        #expect(dispatch.attempt == 2)
        #expect(dispatch.executionId == Execution.rootId)
        #expect(t.instance.root.steps["charge"]?.status == .scheduled)
    }

    @Test func anOldActiveTaskTakesItsResultAndTheInstanceMovesOn() throws {
        let instance = try StoredInstanceDecoder.decode(fixture("task-active.json"))
        let result = TaskResult(taskId: "ord-1.1", instanceId: "ord-1", stepId: "reserve", attempt: 1, status: .completed, output: ["total": 42])
        let t = Engine().taskResultReceived(result, instance: instance, definition: try definition(), at: instance.updatedAt.adding(milliseconds: 500))
        #expect(t.rejection == nil)
        #expect(t.instance.vars["total"] == 42)
        #expect(t.instance.root.steps["charge"]?.status == .scheduled)
        // The same result again is a duplicate, found in the root.
        #expect(Engine().taskResultReceived(result, instance: t.instance, definition: try definition(), at: t.instance.updatedAt).rejection == .duplicateResult)
    }

    @Test func anOldOnFailurePathEndsTheInstanceFailedWithTheOriginalError() throws {
        let instance = try StoredInstanceDecoder.decode(fixture("handling-failure.json"))
        let task = try #require(instance.activeTasks.values.first)
        let t = Engine().taskResultReceived(
            TaskResult(taskId: task.taskId, instanceId: "ord-1", stepId: task.stepId, attempt: 1, status: .completed, output: [:]),
            instance: instance, definition: try definition(), at: instance.updatedAt.adding(milliseconds: 1000)
        )
        #expect(t.instance.status == .failed)
        #expect(t.instance.error?.code == "NO_CARRIER")
        // Exactly the end format-1 code reached from the same document (checked in as failed.json).
        #expect(t.instance == (try StoredInstanceDecoder.decode(fixture("failed.json"))))
    }
}
