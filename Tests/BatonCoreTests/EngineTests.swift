import BatonCore
import BatonExpressions
import Testing

@Suite("Engine: task steps")
struct EngineTaskTests {
    let engine = Engine()

    @Test func startDispatchesTheFirstTaskWithItsMappedInput() throws {
        let definition = try compile(twoTasks)
        let t = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)

        #expect(t.rejection == nil)
        #expect(t.instance.status == .running)
        #expect(t.historyTypes == [.workflowStarted, .taskScheduled])
        #expect(t.history.map(\.sequence) == [1, 2])
        #expect(t.lifecycleTypes == [.workflowStarted, .stepScheduled])
        #expect(t.dispatches == [
            TaskDispatch(
                taskId: "i1.1", instanceId: "i1", workflowId: "two-tasks", workflowVersion: 1, stepId: "first",
                taskType: "work.first", attempt: 1, input: ["name": "Ada", "greeting": "Hello, Ada!"], scheduledAt: t0
            )
        ])
        #expect(t.instance.activeTasks.keys.sorted() == ["i1.1"])
        #expect(t.instance.root.steps["first"] == StepState(status: .scheduled, attempt: 1, executions: 1, taskId: "i1.1", startedAt: t0))
    }

    @Test func lifecycleEventIdsAreFixedByHistorySequence() throws {
        let definition = try compile(twoTasks)
        let t = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let ids = t.effects.compactMap { effect -> String? in
            if case .emitLifecycle(let e) = effect { return e.id }
            return nil
        }
        #expect(ids == ["i1.1", "i1.2"])
    }

    @Test func completingTheLastTaskCompletesTheWorkflowWithMappedOutput() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let a = engine.taskResultReceived(completed(s.dispatches[0], output: ["value": 7]), instance: s.instance, definition: definition, at: t1)

        #expect(a.historyTypes == [.taskCompleted, .taskScheduled])
        #expect(a.dispatches.map(\.stepId) == ["second"])
        #expect(a.dispatches[0].input == ["value": 7])
        #expect(a.dispatches[0].taskId == "i1.2")

        let b = engine.taskResultReceived(completed(a.dispatches[0], output: ["value": 42]), instance: a.instance, definition: definition, at: t2)
        #expect(b.instance.status == .completed)
        #expect(b.instance.output == ["result": 42])
        #expect(b.instance.completedAt == t2)
        #expect(b.instance.activeTasks.isEmpty)
        #expect(b.lifecycleTypes == [.stepCompleted, .workflowCompleted])
        guard case .emitLifecycle(let done) = b.effects.last else { Issue.record("no lifecycle event"); return }
        #expect(done.durationMilliseconds == 2_000)
        #expect(done.output == ["result": 42])
    }

    @Test func aDuplicateResultIsIgnoredAndRecorded() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let result = completed(s.dispatches[0], output: ["value": 1])
        let a = engine.taskResultReceived(result, instance: s.instance, definition: definition, at: t1)
        let again = engine.taskResultReceived(result, instance: a.instance, definition: definition, at: t2)

        #expect(again.rejection == .duplicateResult)
        #expect(again.effects.isEmpty)
        #expect(again.historyTypes == [.inputIgnored])
        #expect(again.history[0].data["reason"] == "DUPLICATE_RESULT")
        var expected = a.instance
        expected.historySequence += 1
        #expect(again.instance == expected)
    }

    @Test func aResultForAnUnknownTaskIsStale() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        var bogus = completed(s.dispatches[0])
        bogus.taskId = "i1.99"
        let t = engine.taskResultReceived(bogus, instance: s.instance, definition: definition, at: t1)
        #expect(t.rejection == .staleAttempt)
        #expect(t.instance.activeTasks == s.instance.activeTasks)
    }

    @Test func aResultWhoseAttemptDiffersFromItsTaskIsMismatched() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        var wrong = completed(s.dispatches[0])
        wrong.attempt = 2
        let t = engine.taskResultReceived(wrong, instance: s.instance, definition: definition, at: t1)
        #expect(t.rejection == .mismatchedResult)
    }

    @Test func aResultForAFinishedInstanceIsIgnored() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let f = engine.taskResultReceived(failed(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        #expect(f.instance.status == .failed)
        let late = engine.taskResultReceived(failed(s.dispatches[0]), instance: f.instance, definition: definition, at: t2)
        #expect(late.rejection == .instanceFinished)
        #expect(late.history.map(\.data["reason"]) == ["INSTANCE_FINISHED"])
    }

    /// A different outcome for an applied attempt is a conflict, on a finished instance as on a
    /// running one (it used to be "finished" there, and "duplicate" here): the runtime
    /// dead-letters it as CONFLICT and the history says CONFLICTING_RESULT.
    @Test func aDifferentOutcomeForAnAppliedAttemptIsAConflictWhetherOrNotTheInstanceEnded() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let f = engine.taskResultReceived(failed(s.dispatches[0]), instance: s.instance, definition: definition, at: t1)
        let finished = engine.taskResultReceived(completed(s.dispatches[0]), instance: f.instance, definition: definition, at: t2)
        #expect(finished.rejection == .conflictingResult)
        #expect(finished.history.map(\.data["reason"]) == ["CONFLICTING_RESULT"])
        #expect(finished.effects.isEmpty)
        #expect(f.instance.conflict(with: completed(s.dispatches[0])) == "failed already with BOOM")

        let first = engine.taskResultReceived(completed(s.dispatches[0], output: ["n": 1]), instance: s.instance, definition: definition, at: t1)
        #expect(first.instance.status == .running)
        let other = engine.taskResultReceived(completed(s.dispatches[0], output: ["n": 2]), instance: first.instance, definition: definition, at: t2)
        #expect(other.rejection == .conflictingResult)
        #expect(other.instance.root.steps[s.dispatches[0].stepId]?.output == ["n": 1])
        let same = engine.taskResultReceived(completed(s.dispatches[0], output: ["n": 1]), instance: first.instance, definition: definition, at: t2)
        #expect(same.rejection == .duplicateResult)
    }

    @Test func aFailedTaskFailsTheWorkflowWithTheErrorDetails() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let f = engine.taskResultReceived(failed(s.dispatches[0], code: "NOPE", message: "declined"), instance: s.instance, definition: definition, at: t1)

        #expect(f.instance.status == .failed)
        #expect(f.instance.error == ErrorInfo(code: "NOPE", message: "declined", retryable: false, stepId: "first", attempt: 1, time: t1))
        #expect(f.historyTypes == [.taskFailed, .workflowFailed])
        #expect(f.lifecycleTypes == [.stepFailed, .workflowFailed])
        #expect(f.instance.root.steps["first"]?.status == .failed)
    }

    @Test func aHeartbeatUpdatesTheActiveTaskWithoutMovingOn() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        var beat = completed(s.dispatches[0], output: ["percent": 50])
        beat.status = .heartbeat
        let h = engine.taskResultReceived(beat, instance: s.instance, definition: definition, at: t1)
        #expect(h.rejection == nil)
        #expect(h.effects.isEmpty)
        #expect(h.instance.activeTasks["i1.1"]?.lastHeartbeatAt == t1)
        #expect(h.instance.activeTasks["i1.1"]?.progress == ["percent": 50])
        #expect(h.instance.status == .running)
    }

    @Test func aTaskTimeoutIsCarriedAsADeadline() throws {
        let definition = try compile("""
            id: timed
            steps:
              - id: only
                type: task
                taskType: slow
                timeout: 30s
            """)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: [:], origin: "api"), definition: definition, now: t0)
        #expect(s.dispatches[0].deadline == t0.adding(milliseconds: 30_000))
    }

    @Test func withoutAnInputMappingTheTaskGetsTheWorkflowInput() throws {
        let definition = try compile("""
            id: plain
            steps:
              - id: only
                type: task
                taskType: echo
            """)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["a": 1], origin: "api"), definition: definition, now: t0)
        #expect(s.dispatches[0].input == ["a": 1])
        let done = engine.taskResultReceived(completed(s.dispatches[0], output: ["b": 2]), instance: s.instance, definition: definition, at: t1)
        #expect(done.instance.output == ["b": 2])
    }

    @Test func cancellingStopsTheInstanceAndCannotBeRepeated() throws {
        let definition = try compile(twoTasks)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let c = engine.handle(.cancel(reason: "no longer needed", by: "ops"), instance: s.instance, definition: definition, now: t1)
        #expect(c.instance.status == .cancelled)
        #expect(c.instance.activeTasks.isEmpty)
        #expect(c.historyTypes == [.workflowCancelled])
        #expect(c.lifecycleTypes == [.workflowCancelled])
        let again = engine.handle(.cancel(reason: "again", by: "ops"), instance: c.instance, definition: definition, now: t2)
        #expect(again.rejection == .instanceFinished)
    }

    @Test func theSameInputsAtTheSameTimesGiveTheSameTransitions() throws {
        let definition = try compile(twoTasks)
        let run = { () -> [Transition] in
            let s = engine.start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
            let a = engine.taskResultReceived(completed(s.dispatches[0], output: ["value": 1]), instance: s.instance, definition: definition, at: t1)
            return [s, a]
        }
        #expect(run() == run())
    }
}

@Suite("Engine: branches, set, succeed, fail")
struct EngineFlowTests {
    let engine = Engine()

    let routing = """
        id: routing
        steps:
          - id: check
            type: task
            taskType: inventory.check
            next:
              - when: "$.steps.check.output.available && $.input.total > 100"
                goto: big
              - when: "$.steps.check.output.available"
                goto: small
              - goto: soldOut
          - id: big
            type: set
            set:
              tier: "gold"
              discount: "${ $.input.total * 0.1 }"
            next: done
          - id: small
            type: set
            set:
              tier: "basic"
            next: done
          - id: done
            type: succeed
            output:
              tier: "${ $.vars.tier }"
              discount: "${ coalesce($.vars.discount, 0) }"
          - id: soldOut
            type: fail
            error:
              code: SOLD_OUT
              message: "sku ${ $.input.sku } is sold out"
        """

    func run(total: Double, available: Bool) throws -> Transition {
        let definition = try compile(routing)
        let s = engine.start(StartWorkflow(instanceId: "i", input: ["total": .number(total), "sku": "book"], origin: "api"), definition: definition, now: t0)
        return engine.taskResultReceived(completed(s.dispatches[0], output: ["available": .bool(available)]), instance: s.instance, definition: definition, at: t1)
    }

    @Test func theFirstMatchingConditionWins() throws {
        let t = try run(total: 200, available: true)
        #expect(t.instance.status == .completed)
        #expect(t.instance.output == ["tier": "gold", "discount": 20])
        #expect(t.instance.vars == ["tier": "gold", "discount": 20])
        #expect(t.historyTypes == [.taskCompleted, .branchTaken, .variablesSet, .workflowCompleted])
        #expect(t.history[1].data["next"] == "big")
    }

    @Test func aLaterConditionIsTakenWhenEarlierOnesAreFalse() throws {
        let t = try run(total: 50, available: true)
        #expect(t.instance.output == ["tier": "basic", "discount": 0])
    }

    @Test func theDefaultTransitionIsTakenWhenNoConditionHolds() throws {
        let t = try run(total: 50, available: false)
        #expect(t.instance.status == .failed)
        #expect(t.instance.error?.code == "SOLD_OUT")
        #expect(t.instance.error?.message == "sku book is sold out")
        #expect(t.instance.error?.stepId == "soldOut")
    }

    @Test func aChoiceStepWithoutMatchOrDefaultFails() throws {
        let definition = try compile("""
            id: choose
            steps:
              - id: decide
                type: choice
                choices:
                  - when: "$.input.x == 1"
                    next: one
              - id: one
                type: succeed
            """)
        let ok = engine.start(StartWorkflow(instanceId: "a", input: ["x": 1], origin: "api"), definition: definition, now: t0)
        #expect(ok.instance.status == .completed)
        let bad = engine.start(StartWorkflow(instanceId: "b", input: ["x": 2], origin: "api"), definition: definition, now: t0)
        #expect(bad.instance.status == .failed)
        #expect(bad.instance.error?.code == BatonErrorCode.noMatchingChoice)
        // A step that runs no task fails as StepFailed, not as a task (TaskFailed, which it used to be).
        #expect(bad.historyTypes == [.workflowStarted, .stepFailed, .workflowFailed])
        #expect(bad.history[1].stepId == "decide")
        #expect(bad.history[1].taskId == nil)
        #expect(bad.lifecycleTypes == [.workflowStarted, .stepFailed, .workflowFailed])
    }

    @Test func aConditionThatCannotBeEvaluatedFailsTheWorkflowWithItsReason() throws {
        let definition = try compile("""
            id: bad-condition
            steps:
              - id: decide
                type: choice
                choices:
                  - when: "$.input.name > 3"
                    next: end
              - id: end
                type: succeed
            """)
        let t = engine.start(StartWorkflow(instanceId: "a", input: ["name": "x"], origin: "api"), definition: definition, now: t0)
        #expect(t.instance.status == .failed)
        #expect(t.instance.error?.code == BatonErrorCode.condition)
        #expect(t.instance.error?.stepId == "decide")
    }

    @Test func anInputMappingErrorFailsTheWorkflow() throws {
        let definition = try compile("""
            id: bad-mapping
            steps:
              - id: t
                type: task
                taskType: x
                input: "${ $.input.a / 0 }"
            """)
        let t = engine.start(StartWorkflow(instanceId: "a", input: ["a": 1], origin: "api"), definition: definition, now: t0)
        #expect(t.instance.status == .failed)
        #expect(t.instance.error?.code == BatonErrorCode.inputMapping)
        #expect(t.dispatches.isEmpty)
    }

    @Test func aLoopWithoutATaskIsStoppedByTheStepLimit() throws {
        let definition = try compile("""
            id: spin
            steps:
              - id: a
                type: set
                set: { n: "${ coalesce($.vars.n, 0) + 1 }" }
                next: a
            """)
        let t = Engine(maxSynchronousSteps: 50).start(StartWorkflow(instanceId: "a", input: [:], origin: "api"), definition: definition, now: t0)
        #expect(t.instance.status == .failed)
        #expect(t.instance.error?.code == BatonErrorCode.stepLimit)
        #expect(t.instance.vars["n"] == 50)
    }

    @Test func aLoopThroughATaskRunsTheStepAgainWithANewTaskId() throws {
        let definition = try compile("""
            id: loop
            steps:
              - id: work
                type: task
                taskType: w
                next:
                  - when: "$.steps.work.output.more"
                    goto: work
            """)
        let engine = Engine()
        let s = engine.start(StartWorkflow(instanceId: "l", input: [:], origin: "api"), definition: definition, now: t0)
        let a = engine.taskResultReceived(completed(s.dispatches[0], output: ["more": true]), instance: s.instance, definition: definition, at: t1)
        #expect(a.dispatches.map(\.taskId) == ["l.2"])
        #expect(a.instance.root.steps["work"]?.executions == 2)
        let b = engine.taskResultReceived(completed(a.dispatches[0], output: ["more": false]), instance: a.instance, definition: definition, at: t2)
        #expect(b.instance.status == .completed)
        // The first attempt's id is no longer active: a late copy of its result is ignored.
        let late = engine.taskResultReceived(completed(s.dispatches[0], output: ["more": true]), instance: a.instance, definition: definition, at: t2)
        #expect(late.rejection == .staleAttempt)
    }
}
