import BatonExpressions
import Testing

@testable import BatonCore

/// `encodedState()` writes the stored document directly; it must be exactly `json`, field for
/// field, or an instance would come back from the store different from what was decided.
@Suite("Instances: direct encoding")
struct InstanceEncodingTests {
    @Test func everyFieldIsWrittenAsTheJSONFormHasIt() throws {
        var instance = WorkflowInstance(
            id: "i-1", workflowId: "orders", workflowVersion: 3, status: .failed, input: ["order": ["total": 12.5, "items": ["a", "b\"c"]]],
            steps: [
                "reserve": StepState(status: .completed, output: ["ok": true, "n": 1e-7], attempt: 2, executions: 3, taskId: "i-1.reserve.2", startedAt: t0, completedAt: t1),
                "charge": StepState(
                    status: .failed, error: ErrorInfo(code: "DECLINED", message: "no\nfunds", retryable: true, details: ["limit": 10], stepId: "charge", attempt: 1, time: t2),
                    startedAt: t1, completedAt: t2
                ),
                "ship": StepState(status: .scheduled, taskId: "i-1.ship.1", startedAt: t2),
            ],
            vars: ["total": 37, "note": .null], output: ["done": false],
            error: ErrorInfo(code: "STEP_FAILED", message: "charge failed"),
            activeTasks: [
                "i-1.ship.1": ActiveTask(taskId: "i-1.ship.1", stepId: "ship", attempt: 1, scheduledAt: t2, deadline: t3, lastHeartbeatAt: t2, progress: ["pct": 40]),
                "i-1.audit.1": ActiveTask(taskId: "i-1.audit.1", stepId: "audit", attempt: 1, scheduledAt: t1),
            ],
            createdAt: t0, updatedAt: t3, completedAt: t3, taskSequence: 7, historySequence: 19, lastStepId: "charge", origin: "trigger:src/e-1"
        )
        for timer in [InstanceTimer.retry(stepId: "charge", attempt: 2, at: t3), InstanceTimer(id: "t-other", fireAt: t2, kind: .retry(stepId: "ship", attempt: 1))] {
            instance.timers[timer.id] = timer
        }
        instance.handlingFailure = ErrorInfo(code: "HANDLING", message: "in handler")
        instance.deferred = [.timer(InstanceTimer(id: "t-late", fireAt: t1, kind: .retry(stepId: "ship", attempt: 1)))]

        let parsed = try JSONValue.parse(instance.encodedState())
        #expect(parsed == instance.json)
        #expect(WorkflowInstance(json: parsed) == instance)
    }

    @Test func minimalAndEngineMadeInstancesEncodeAsTheirJSONForm() throws {
        let definition = try compile(twoTasks)
        let engine = Engine()
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let c = engine.taskResultReceived(completed(s.dispatches[0], output: ["p": 1]), instance: s.instance, definition: definition, at: t1)
        let f = engine.taskResultReceived(failed(c.dispatches[0]), instance: c.instance, definition: definition, at: t2)
        let bare = WorkflowInstance(id: "i0", workflowId: "w", workflowVersion: 1, input: .null, createdAt: t0, updatedAt: t0)
        for instance in [bare, s.instance, c.instance, f.instance] {
            #expect(try JSONValue.parse(instance.encodedState()) == instance.json)
        }
    }
}
