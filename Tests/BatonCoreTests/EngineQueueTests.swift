import BatonCore
import BatonExpressions
import Testing

/// Starts under a concurrency limit: created QUEUED, started at admission.
@Suite("Engine: queued starts")
struct EngineQueueTests {
    let engine = Engine()

    static let limited = """
        id: limited
        maxConcurrent: 2
        timeout: 1h
        steps:
          - { id: work, type: task, taskType: w }
        """

    func queued() throws -> (WorkflowDefinition, Transition) {
        let definition = try compile(Self.limited)
        #expect(definition.maxConcurrent == 2)
        return (definition, engine.start(StartWorkflow(instanceId: "i1", input: ["n": 1], origin: "api", queued: true), definition: definition, now: t0))
    }

    @Test func aQueuedStartRunsNothingUntilItIsAdmitted() throws {
        let (definition, q) = try queued()
        #expect(q.instance.status == .queued)
        #expect(!q.instance.status.isTerminal)
        #expect(q.dispatches.isEmpty)
        #expect(q.instance.timers.isEmpty, "the workflow timeout counts from admission, not from the queue")
        #expect(q.historyTypes == [.workflowQueued])
        #expect(q.history[0].data["input"] == ["n": 1])
        #expect(q.lifecycleTypes == [.workflowQueued])

        let a = engine.admitted(instance: q.instance, definition: definition, now: t1)
        #expect(a.rejection == nil)
        #expect(a.instance.status == .running)
        #expect(a.dispatches.map(\.stepId) == ["work"])
        #expect(a.historyTypes == [.workflowStarted, .taskScheduled])
        #expect(a.history[0].data["queuedMilliseconds"] == .number(Double(t1.milliseconds(since: t0))))
        #expect(a.lifecycleTypes == [.workflowStarted, .stepScheduled])
        #expect(a.instance.timers["workflow-timeout"]?.fireAt == t1.adding(milliseconds: 3_600_000))
    }

    @Test func anAdmissionForAnInstanceThatNoLongerWaitsIsIgnored() throws {
        let (definition, q) = try queued()
        let a = engine.admitted(instance: q.instance, definition: definition, now: t1)
        let again = engine.admitted(instance: a.instance, definition: definition, now: t2)
        #expect(again.rejection == .notQueued)
        #expect(again.effects.isEmpty)
        #expect(again.instance.status == .running)
        #expect(again.instance.taskSequence == a.instance.taskSequence)
    }

    @Test func aQueuedInstanceCanBeCancelledAndIsThenNeverStarted() throws {
        let (definition, q) = try queued()
        let c = engine.cancelRequested(reason: "not needed", by: "ops", instance: q.instance, definition: definition, at: t1)
        #expect(c.instance.status == .cancelled)
        #expect(c.lifecycleTypes == [.workflowCancelled])
        #expect(c.effects.allSatisfy { if case .cancelTask = $0 { false } else { true } })
        let a = engine.admitted(instance: c.instance, definition: definition, now: t2)
        #expect(a.rejection == .notQueued)
        #expect(a.instance.status == .cancelled)
    }

    @Test func aQueuedInstanceCannotBePaused() throws {
        let (definition, q) = try queued()
        #expect(throws: Engine.OperationRefusal.self) {
            try engine.pauseRequested(reason: "r", by: "ops", instance: q.instance, definition: definition, at: t1).get()
        }
    }

    @Test func maxConcurrentMustBeAPositiveWholeNumber() {
        for bad in ["0", "-1", "1.5", "\"two\"", "1000001"] {
            let yaml = "id: x\nmaxConcurrent: \(bad)\nsteps:\n  - { id: s, type: succeed }\n"
            #expect(throws: DefinitionError.self) { try compile(yaml) }
        }
    }
}
