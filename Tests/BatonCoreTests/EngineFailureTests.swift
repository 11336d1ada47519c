import BatonCore
import BatonExpressions
import Testing

/// Retries, timeouts and error handlers, driven by explicit inputs and times.
@Suite("Engine: failures, retries and time")
struct EngineFailureTests {
    let engine = Engine()

    func start(_ yaml: String, at time: Timestamp = t0) throws -> (WorkflowDefinition, Transition) {
        let definition = try compile(yaml)
        return (definition, engine.start(StartWorkflow(instanceId: "i1", input: ["n": 1], origin: "api"), definition: definition, now: time))
    }

    func retryable(_ task: TaskDispatch, code: String = "UNAVAILABLE") -> TaskResult {
        TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed, error: ErrorInfo(code: code, message: "try later", retryable: true))
    }

    static let retried = """
        id: retried
        steps:
          - id: charge
            type: task
            taskType: pay
            retry: {maxAttempts: 3, initialInterval: 1s, backoffCoefficient: 2}
        """

    @Test func aRetryableFailureSchedulesTheNextAttemptOnATimerWithANewTaskId() throws {
        let (definition, s) = try start(Self.retried)
        let f = engine.taskResultReceived(retryable(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        #expect(f.historyTypes == [.taskFailed, .stepRetrying])
        #expect(f.lifecycleTypes == [.stepRetrying])
        #expect(f.dispatches.isEmpty)
        #expect(f.instance.status == .running)
        #expect(f.instance.root.steps["charge"]?.status == .retrying)
        #expect(f.instance.timers == ["retry:charge:2": .retry(stepId: "charge", attempt: 2, at: t1.adding(milliseconds: 1000))])

        let r = engine.timerFired("retry:charge:2", instance: f.instance, definition: definition, at: t2)
        #expect(r.rejection == nil)
        #expect(r.dispatches.map(\.attempt) == [2])
        #expect(r.dispatches.map(\.taskId) == ["i1.2"])
        #expect(r.instance.timers.isEmpty)
        #expect(r.instance.root.steps["charge"]?.startedAt == t0)

        // A late result of attempt 1 is ignored and recorded.
        let late = engine.taskResultReceived(completed(s.dispatches[0]), instance: r.instance, definition: definition, at: t2)
        #expect(late.rejection == .duplicateResult || late.rejection == .staleAttempt)
        #expect(late.instance.activeTasks.keys.sorted() == ["i1.2"])

        let ok = engine.taskResultReceived(completed(r.dispatches[0], output: ["paid": true]), instance: r.instance, definition: definition, at: t3)
        #expect(ok.instance.status == .completed)
    }

    @Test func theSameTimerFiresOnce() throws {
        let (definition, s) = try start(Self.retried)
        let f = engine.taskResultReceived(retryable(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        let r = engine.timerFired("retry:charge:2", instance: f.instance, definition: definition, at: t2)
        let again = engine.timerFired("retry:charge:2", instance: r.instance, definition: definition, at: t2)
        #expect(again.rejection == .staleTimer)
        #expect(again.dispatches.isEmpty)
        #expect(again.historyTypes == [.inputIgnored])
    }

    @Test func exhaustedRetriesFailTheWorkflowWithTheLastError() throws {
        let (definition, s) = try start(Self.retried)
        var instance = s.instance
        var task = s.dispatches[0]
        var time = t1
        for attempt in 1...3 {
            let f = engine.taskResultReceived(retryable(task), instance: instance, definition: definition, at: time)
            instance = f.instance
            if attempt == 3 {
                #expect(f.instance.status == .failed)
                #expect(f.instance.error?.code == "UNAVAILABLE")
                #expect(f.instance.error?.attempt == 3)
                #expect(f.instance.error?.stepId == "charge")
                #expect(f.lifecycleTypes == [.stepFailed, .workflowFailed])
                return
            }
            time = time.adding(milliseconds: 10_000)
            let r = engine.timerFired("retry:charge:\(attempt + 1)", instance: instance, definition: definition, at: time)
            instance = r.instance
            task = r.dispatches[0]
        }
    }

    @Test func aNonRetryableErrorSkipsTheRetries() throws {
        let (definition, s) = try start(Self.retried)
        let f = engine.taskResultReceived(failed(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        #expect(f.instance.status == .failed)
        #expect(f.instance.timers.isEmpty)
    }

    @Test func aTimedOutAttemptFailsWithTimeoutAndIsRetried() throws {
        let (definition, s) = try start("""
            id: slow
            steps:
              - id: work
                type: task
                taskType: slow
                timeout: 30s
                retry: {maxAttempts: 2, initialInterval: 1s}
            """)
        #expect(s.dispatches[0].deadline == t0.adding(milliseconds: 30_000))
        #expect(s.instance.timers["timeout:i1.1"]?.fireAt == t0.adding(milliseconds: 30_000))
        let at = t0.adding(milliseconds: 30_000)
        let timedOut = engine.timerFired("timeout:i1.1", instance: s.instance, definition: definition, at: at)
        #expect(timedOut.historyTypes == [.taskTimedOut, .taskFailed, .stepRetrying])
        #expect(timedOut.lifecycleTypes == [.stepTimedOut, .stepRetrying])
        #expect(timedOut.instance.root.steps["work"]?.error?.code == "TIMEOUT")
        #expect(timedOut.instance.activeTasks.isEmpty)
        // The attempt's late result is ignored.
        let late = engine.taskResultReceived(completed(s.dispatches[0]), instance: timedOut.instance, definition: definition, at: at)
        #expect(late.rejection != nil)
    }

    @Test func completingATaskCancelsItsTimeoutTimer() throws {
        let (definition, s) = try start("""
            id: slow
            steps:
              - id: work
                type: task
                taskType: slow
                timeout: 30s
                next: more
              - id: more
                type: task
                taskType: slow
            """)
        let done = engine.taskResultReceived(completed(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        #expect(done.instance.timers.isEmpty)
        let stale = engine.timerFired("timeout:i1.1", instance: done.instance, definition: definition, at: t0.adding(milliseconds: 30_000))
        #expect(stale.rejection == .staleTimer)
    }

    @Test func aWorkflowTimeoutEndsTheInstanceTimedOut() throws {
        let (definition, s) = try start("""
            id: bounded
            timeout: 1m
            steps:
              - id: work
                type: task
                taskType: slow
            """)
        #expect(s.instance.timers["workflow-timeout"]?.fireAt == t0.adding(milliseconds: 60_000))
        let t = engine.timerFired("workflow-timeout", instance: s.instance, definition: definition, at: t0.adding(milliseconds: 60_000))
        #expect(t.instance.status == .timedOut)
        #expect(t.instance.activeTasks.isEmpty && t.instance.timers.isEmpty)
        #expect(t.lifecycleTypes == [.workflowTimedOut])
        #expect(t.historyTypes == [.workflowTimedOut])
    }

    static let handlers = """
        id: handled
        onFailure: cleanup
        steps:
          - id: charge
            type: task
            taskType: pay
            catch:
              - errors: [CARD_DECLINED]
                next: declined
            fallback: manual
            next: ship
          - id: ship
            type: task
            taskType: ship
            continueOnFailure: true
            next: done
          - id: done
            type: succeed
          - id: declined
            type: fail
            error: {code: DECLINED, message: "card declined"}
          - id: manual
            type: task
            taskType: manual
          - id: cleanup
            type: task
            taskType: cleanup
        """

    @Test func aMatchingCatchRunsItsStepWithTheErrorInTheState() throws {
        let (definition, s) = try start(Self.handlers)
        let f = engine.taskResultReceived(failed(s.dispatches[0], code: "CARD_DECLINED"), instance: s.instance, definition: definition, at: t1)
        #expect(f.historyTypes.contains(.errorHandled))
        #expect(f.instance.root.steps["charge"]?.error?.code == "CARD_DECLINED")
        #expect(f.instance.stateDocument["steps"]?["charge"]?["error"]?["code"] == "CARD_DECLINED")
        #expect(f.instance.status == .failed)
        #expect(f.instance.error?.code == "DECLINED")
    }

    @Test func anUncaughtErrorTakesTheFallback() throws {
        let (definition, s) = try start(Self.handlers)
        let f = engine.taskResultReceived(failed(s.dispatches[0], code: "OTHER"), instance: s.instance, definition: definition, at: t1)
        #expect(f.dispatches.map(\.stepId) == ["manual"])
        #expect(f.instance.status == .running)
    }

    @Test func continueOnFailureRecordsTheErrorAndGoesOn() throws {
        let (definition, s) = try start(Self.handlers)
        let a = engine.taskResultReceived(completed(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        let b = engine.taskResultReceived(failed(a.dispatches[0]), instance: a.instance, definition: definition, at: t2)
        #expect(b.instance.status == .completed)
        #expect(b.instance.root.steps["ship"]?.status == .failed)
        #expect(b.instance.root.steps["ship"]?.error?.code == "BOOM")
    }

    @Test func onFailureRunsItsPathAndTheInstanceStillFailsWithTheOriginalError() throws {
        let (definition, s) = try start(Self.handlers)
        let fb = engine.taskResultReceived(failed(s.dispatches[0], code: "OTHER"), instance: s.instance, definition: definition, at: t1)
        // The fallback task fails too: no handler of its own, so the definition's onFailure runs.
        let f = engine.taskResultReceived(failed(fb.dispatches[0], code: "MANUAL_FAILED"), instance: fb.instance, definition: definition, at: t2)
        #expect(f.dispatches.map(\.stepId) == ["cleanup"])
        #expect(f.instance.root.handlingFailure?.code == "MANUAL_FAILED")
        let end = engine.taskResultReceived(completed(f.dispatches[0]), instance: f.instance, definition: definition, at: t3)
        #expect(end.instance.status == .failed)
        #expect(end.instance.error?.code == "MANUAL_FAILED")
        #expect(end.instance.error?.stepId == "manual")
    }

    @Test func aFailureInsideTheOnFailurePathFailsTheInstanceWithoutLooping() throws {
        let (definition, s) = try start(Self.handlers)
        let fb = engine.taskResultReceived(failed(s.dispatches[0], code: "OTHER"), instance: s.instance, definition: definition, at: t1)
        let f = engine.taskResultReceived(failed(fb.dispatches[0], code: "MANUAL_FAILED"), instance: fb.instance, definition: definition, at: t2)
        let end = engine.taskResultReceived(failed(f.dispatches[0], code: "CLEANUP_FAILED"), instance: f.instance, definition: definition, at: t3)
        #expect(end.instance.status == .failed)
        #expect(end.instance.error?.code == "MANUAL_FAILED")
    }

    @Test func theDefinitionRetryPolicyAppliesToStepsWithoutTheirOwn() throws {
        let (definition, s) = try start("""
            id: defaults
            retry: {maxAttempts: 2, initialInterval: 500ms}
            steps:
              - id: a
                type: task
                taskType: a
            """)
        let f = engine.taskResultReceived(retryable(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        #expect(f.instance.timers["retry:a:2"]?.fireAt == t1.adding(milliseconds: 500))
    }

    @Test func theServiceDefaultRetryPolicyAppliesLast() throws {
        let definition = try compile("""
            id: plain
            steps:
              - id: a
                type: task
                taskType: a
            """)
        let withDefault = Engine(defaultRetryPolicy: RetryPolicy(maxAttempts: 2, initialIntervalMilliseconds: 250))
        let s = withDefault.start(StartWorkflow(instanceId: "i1", input: [:], origin: "api"), definition: definition, now: t0)
        let f = withDefault.taskResultReceived(retryable(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        #expect(f.instance.timers["retry:a:2"]?.fireAt == t1.adding(milliseconds: 250))
        // Without one, Engine() does not retry.
        let g = engine.taskResultReceived(retryable(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        #expect(g.instance.status == .failed)
    }

    @Test func cancellingDropsPendingTimers() throws {
        let (definition, s) = try start(Self.retried)
        let f = engine.taskResultReceived(retryable(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        let c = engine.cancelRequested(reason: "no", by: "ops", instance: f.instance, definition: definition, at: t2)
        #expect(c.instance.timers.isEmpty)
    }

    static let heartbeating = """
        id: hb
        steps:
          - id: work
            type: task
            taskType: long
            heartbeatTimeout: 10s
            scheduleToStartTimeout: 5s
        """

    func heartbeat(_ task: TaskDispatch, progress: JSONValue) -> TaskResult {
        TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .heartbeat, output: progress)
    }

    @Test func aHeartbeatStartsTheTaskAndMovesItsHeartbeatDeadline() throws {
        let (definition, s) = try start(Self.heartbeating)
        #expect(s.instance.timers.keys.sorted() == ["heartbeat:i1.1", "start:i1.1"])
        #expect(s.instance.timers["start:i1.1"]?.fireAt == t0.adding(milliseconds: 5000))
        let h = engine.taskResultReceived(heartbeat(s.dispatches[0], progress: ["done": 40]), instance: s.instance, definition: definition, at: t3)
        #expect(h.instance.timers.keys.sorted() == ["heartbeat:i1.1"])
        #expect(h.instance.timers["heartbeat:i1.1"]?.fireAt == t3.adding(milliseconds: 10_000))
        #expect(h.instance.activeTasks["i1.1"]?.progress == ["done": 40])
        // The old deadline is gone: firing it changes nothing.
        let stale = engine.timerFired("start:i1.1", instance: h.instance, definition: definition, at: t0.adding(milliseconds: 5000))
        #expect(stale.rejection == .staleTimer)
    }

    @Test func aMissedHeartbeatFailsTheAttemptWithTimeout() throws {
        let (definition, s) = try start(Self.heartbeating)
        let h = engine.taskResultReceived(heartbeat(s.dispatches[0], progress: [:]), instance: s.instance, definition: definition, at: t1)
        let late = engine.timerFired("heartbeat:i1.1", instance: h.instance, definition: definition, at: t1.adding(milliseconds: 10_000))
        #expect(late.instance.status == .failed)
        #expect(late.instance.error?.code == "TIMEOUT")
        #expect(late.instance.error?.details?["timeout"] == "heartbeat")
        #expect(late.instance.timers.isEmpty)
        // A heartbeat after the end is ignored and recorded.
        let after = engine.taskResultReceived(heartbeat(s.dispatches[0], progress: [:]), instance: late.instance, definition: definition, at: t3)
        #expect(after.rejection == .instanceFinished)
    }

    @Test func aTaskNobodyPicksUpTimesOutToStart() throws {
        let (definition, s) = try start(Self.heartbeating)
        let t = engine.timerFired("start:i1.1", instance: s.instance, definition: definition, at: t0.adding(milliseconds: 5000))
        #expect(t.instance.error?.details?["timeout"] == "scheduleToStart")
        #expect(t.lifecycleTypes.first == .stepTimedOut)
    }

    @Test func aTimerMovedLaterDoesNotFireAtItsOldTime() throws {
        let (definition, s) = try start(Self.heartbeating)
        let h = engine.taskResultReceived(heartbeat(s.dispatches[0], progress: [:]), instance: s.instance, definition: definition, at: t1)
        let moved = engine.taskResultReceived(heartbeat(s.dispatches[0], progress: [:]), instance: h.instance, definition: definition, at: t3)
        // The first deadline (t1 + 10 s) has passed; the timer now waits for t3 + 10 s.
        let early = engine.timerFired("heartbeat:i1.1", instance: moved.instance, definition: definition, at: t1.adding(milliseconds: 10_000))
        #expect(early.rejection == .timerNotDue)
        #expect(early.instance.status == .running)
        #expect(early.instance.timers["heartbeat:i1.1"]?.fireAt == t3.adding(milliseconds: 10_000))
        #expect(early.effects.isEmpty)
    }

    @Test func anInstanceWhoseDefinitionIsGoneFailsAndCancelsItsTasks() throws {
        let (_, s) = try start(Self.heartbeating)
        let t = engine.definitionUnavailable("definition hb v1 is not in the store", instance: s.instance, at: t2)
        #expect(t.instance.status == .failed)
        #expect(t.instance.error?.code == "DEFINITION_UNAVAILABLE")
        #expect(t.instance.timers.isEmpty)
        #expect(t.instance.activeTasks.isEmpty)
        #expect(t.instance.root.steps["work"]?.status == .cancelled)
        #expect(t.historyTypes == [.workflowFailed])
        #expect(t.effects.count == 2)
        guard case .cancelTask(let cancellation) = t.effects.first else {
            Issue.record("expected a cancellation first, got \(t.effects)")
            return
        }
        #expect(cancellation.taskId == "i1.1")
        #expect(t.lifecycleTypes == [.workflowFailed])
        let again = engine.definitionUnavailable("gone", instance: t.instance, at: t3)
        #expect(again.rejection == .instanceFinished)
    }
}
