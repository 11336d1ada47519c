import BatonCore
import BatonExpressions
import Testing

/// Waiting steps and what operators do: pause, resume, retry, rerun.
@Suite("Engine: waits and operations")
struct EngineOperationsTests {
    let engine = Engine()

    func start(_ yaml: String, input: JSONValue = ["n": 1]) throws -> (WorkflowDefinition, Transition) {
        let definition = try compile(yaml)
        return (definition, engine.start(StartWorkflow(instanceId: "i1", input: input, origin: "api"), definition: definition, now: t0))
    }

    static let waiting = """
        id: waits
        steps:
          - { id: pause, type: wait, duration: 10m, next: until }
          - { id: until, type: wait, until: "${ $.input.at }", next: work }
          - { id: work, type: task, taskType: w }
        """

    @Test func waitStepsWaitOnDurableTimersForADurationOrUntilATime() throws {
        let (definition, s) = try start(Self.waiting, input: ["at": "2027-01-15T09:00:00.000Z"])
        #expect(s.instance.root.steps["pause"]?.status == .waiting)
        #expect(s.instance.timers["wait:pause:1"]?.fireAt == t0.adding(milliseconds: 600_000))
        #expect(s.dispatches.isEmpty)
        let a = engine.timerFired("wait:pause:1", instance: s.instance, definition: definition, at: t0.adding(milliseconds: 600_000))
        #expect(a.instance.root.steps["pause"]?.status == .completed)
        #expect(a.instance.timers["wait:until:1"]?.fireAt == Timestamp(iso8601: "2027-01-15T09:00:00.000Z"))
        let b = engine.timerFired("wait:until:1", instance: a.instance, definition: definition, at: Timestamp(iso8601: "2027-01-15T09:00:00.000Z")!)
        #expect(b.dispatches.map(\.stepId) == ["work"])
        #expect(b.historyTypes == [.waitCompleted, .taskScheduled])
    }

    @Test func aWaitUntilThatIsNotATimeFailsTheStep() throws {
        let (_, s) = try start(Self.waiting, input: ["at": "tomorrow"])
        let a = engine.timerFired("wait:pause:1", instance: s.instance, definition: try compile(Self.waiting), at: t0.adding(milliseconds: 600_000))
        #expect(a.instance.status == .failed)
        #expect(a.instance.error?.code == "INPUT_MAPPING_ERROR")
    }

    static let two = """
        id: two
        steps:
          - { id: a, type: task, taskType: t, next: b, retry: {maxAttempts: 2, initialInterval: 1s} }
          - { id: b, type: task, taskType: t }
        """

    @Test func aPausedInstanceRecordsResultsAndActsOnThemAtResume() throws {
        let (definition, s) = try start(Self.two)
        let p = try engine.pauseRequested(reason: "investigating", by: "ops", instance: s.instance, definition: definition, at: t1).get()
        #expect(p.instance.status == .paused)
        #expect(p.lifecycleTypes == [.workflowPaused])
        #expect(p.history.last?.data["by"] == "ops")

        let r = engine.taskResultReceived(completed(s.dispatches[0], output: ["x": 1]), instance: p.instance, definition: definition, at: t2)
        #expect(r.rejection == nil)
        #expect(r.dispatches.isEmpty)
        #expect(r.historyTypes == [.inputDeferred])
        #expect(r.instance.deferred.count == 1)
        // A redelivery of the same result while paused is a duplicate.
        let again = engine.taskResultReceived(completed(s.dispatches[0], output: ["x": 1]), instance: r.instance, definition: definition, at: t2)
        #expect(again.rejection == .duplicateResult)

        let resumed = try engine.resumeRequested(reason: "fixed", by: "ops", instance: r.instance, definition: definition, at: t3).get()
        #expect(resumed.instance.status == .running)
        #expect(resumed.lifecycleTypes.first == .workflowResumed)
        #expect(resumed.dispatches.map(\.stepId) == ["b"])
        #expect(resumed.instance.root.steps["a"]?.output == ["x": 1])
        #expect(resumed.instance.deferred.isEmpty)
    }

    @Test func timersDueWhilePausedWaitForResumeButTheWorkflowTimeoutDoesNot() throws {
        let (definition, s) = try start(Self.two)
        let f = engine.taskResultReceived(
            TaskResult(taskId: "i1.1", instanceId: "i1", stepId: "a", attempt: 1, status: .failed, error: ErrorInfo(code: "X", message: "x", retryable: true)),
            instance: s.instance, definition: definition, at: t1)
        let p = try engine.pauseRequested(reason: "r", by: "ops", instance: f.instance, definition: definition, at: t1).get()
        let due = engine.timerFired("retry:a:2", instance: p.instance, definition: definition, at: t2)
        #expect(due.dispatches.isEmpty)
        #expect(due.instance.timers.isEmpty)
        let resumed = try engine.resumeRequested(reason: "r", by: "ops", instance: due.instance, definition: definition, at: t3).get()
        #expect(resumed.dispatches.map(\.attempt) == [2])
    }

    @Test func cancellingMarksOpenStepsCancelled() throws {
        let (definition, s) = try start(Self.waiting, input: ["at": 0])
        let c = engine.cancelRequested(reason: "no", by: "ops", instance: s.instance, definition: definition, at: t1)
        #expect(c.instance.root.steps["pause"]?.status == .cancelled)
        #expect(c.instance.root.steps["pause"]?.completedAt == t1)
        #expect(c.instance.timers.isEmpty)
    }

    @Test func pauseAndResumeRefuseTheWrongStatus() throws {
        let (definition, s) = try start(Self.two)
        #expect(engine.resumeRequested(reason: "", by: "ops", instance: s.instance, definition: definition, at: t1) == .failure(.wrongStatus(.running, expected: "PAUSED")))
        let p = try engine.pauseRequested(reason: "", by: "ops", instance: s.instance, definition: definition, at: t1).get()
        #expect(engine.pauseRequested(reason: "", by: "ops", instance: p.instance, definition: definition, at: t1) == .failure(.wrongStatus(.paused, expected: "RUNNING")))
    }

    @Test func aFailedInstanceIsRetriedFromItsFailedStep() throws {
        let (definition, s) = try start(Self.two)
        let a = engine.taskResultReceived(completed(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        let f = engine.taskResultReceived(failed(a.dispatches[0]), instance: a.instance, definition: definition, at: t2)
        #expect(f.instance.status == .failed)
        let r = try engine.retryRequested(reason: "downstream fixed", by: "ops", instance: f.instance, definition: definition, at: t3).get()
        #expect(r.instance.status == .running)
        #expect(r.instance.error == nil)
        #expect(r.dispatches.map(\.stepId) == ["b"])
        #expect(r.dispatches.map(\.attempt) == [1])
        #expect(r.dispatches.map(\.taskId) == ["i1.3"])
        #expect(r.instance.root.steps["b"]?.executions == 2)
        #expect(r.historyTypes.first == .workflowRetried)
        #expect(r.history.first?.data["previousError"]?["code"] == "BOOM")
        let done = engine.taskResultReceived(completed(r.dispatches[0], output: ["ok": true]), instance: r.instance, definition: definition, at: t3)
        #expect(done.instance.status == .completed)
        // Only failed instances can be retried.
        #expect(engine.retryRequested(reason: "", by: "ops", instance: done.instance, definition: definition, at: t3) == .failure(.wrongStatus(.completed, expected: "FAILED or TIMED_OUT")))
    }

    @Test func rerunFromAStepWithNewInputCancelsWhatRuns() throws {
        let (definition, s) = try start(Self.two)
        let r = try engine.rerunRequested(from: "a", input: ["n": 2], reason: "bad input", by: "ops", instance: s.instance, definition: definition, at: t1).get()
        #expect(r.instance.input == ["n": 2])
        #expect(r.dispatches.map(\.taskId) == ["i1.2"])
        let cancelled = r.effects.compactMap { effect -> String? in
            if case .cancelTask(let c) = effect { return c.taskId } else { return nil }
        }
        #expect(cancelled == ["i1.1"])
        #expect(r.instance.activeTasks.keys.sorted() == ["i1.2"])
        #expect(r.instance.root.steps["a"]?.status == .scheduled)
        // The old attempt's result is now stale.
        let late = engine.taskResultReceived(completed(s.dispatches[0]), instance: r.instance, definition: definition, at: t2)
        #expect(late.rejection != nil)
        #expect(engine.rerunRequested(from: "nope", input: nil, reason: "", by: "ops", instance: s.instance, definition: definition, at: t1) == .failure(.unknownStep("nope")))
    }
}
