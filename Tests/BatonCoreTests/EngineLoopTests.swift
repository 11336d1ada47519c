import BatonCore
import BatonExpressions
import Testing

/// Transitions back to an earlier step, and the per-instance step budget that stops a loop that
/// never ends.
@Suite("Engine: loops and the step budget")
struct EngineLoopTests {
    let engine = Engine()

    static func polling(maxSteps: Int?) -> String {
        """
        id: poll
        \(maxSteps.map { "maxSteps: \($0)" } ?? "")
        steps:
          - {id: check, type: task, taskType: job.status, next: decide}
          - id: decide
            type: choice
            choices:
              - {when: "$.steps.check.output.done == true", next: finish}
            default: pause
          - {id: pause, type: wait, duration: 1s, next: check}
          - {id: finish, type: succeed, output: {polls: "${ $.steps.check.attempt }"}}
        """
    }

    func answer(_ t: Transition, done: Bool, _ d: WorkflowDefinition, at time: Timestamp) -> Transition {
        let task = t.dispatches[0]
        return engine.taskResultReceived(completed(task, output: ["done": .bool(done)]), instance: t.instance, definition: d, at: time)
    }

    @Test func aTransitionBackToAnEarlierStepRunsItAgainUntilTheConditionHolds() throws {
        let d = try compile(Self.polling(maxSteps: nil))
        var t = engine.start(StartWorkflow(instanceId: "i1", input: [:], origin: "api"), definition: d, now: t0)
        var time = t0
        for round in 1...3 {
            time = time.adding(milliseconds: 10)
            t = answer(t, done: false, d, at: time)
            #expect(t.instance.root.steps["pause"]?.status == .waiting)
            let timer = try #require(t.instance.timers.values.first { $0.id.hasPrefix("wait:") })
            #expect(timer.id == "wait:pause:\(round)")
            time = timer.fireAt
            t = engine.timerFired(timer.id, instance: t.instance, definition: d, at: time)
            #expect(t.dispatches.map(\.stepId) == ["check"])
            #expect(t.instance.root.steps["check"]?.executions == round + 1)
        }
        t = answer(t, done: true, d, at: time.adding(milliseconds: 10))
        #expect(t.instance.status == .completed)
        // check, decide, pause ×3, then check, decide, finish.
        #expect(t.instance.stepsRun == 12)
    }

    @Test func aLoopPastTheDefinitionsMaxStepsFailsWithStepLimitExceeded() throws {
        let d = try compile(Self.polling(maxSteps: 7))
        var t = engine.start(StartWorkflow(instanceId: "i1", input: [:], origin: "api"), definition: d, now: t0)
        var time = t0
        while t.instance.status == .running {
            time = time.adding(milliseconds: 10)
            t = answer(t, done: false, d, at: time)
            guard let timer = t.instance.timers.values.first(where: { $0.id.hasPrefix("wait:") }) else { break }
            time = timer.fireAt
            t = engine.timerFired(timer.id, instance: t.instance, definition: d, at: time)
        }
        #expect(t.instance.status == .failed)
        #expect(t.instance.error?.code == "STEP_LIMIT_EXCEEDED")
        #expect(t.instance.error?.message.contains("more than 7 steps (the definition's maxSteps)") == true)
        #expect(t.instance.stepsRun == 8)
        #expect(t.instance.activeTasks.isEmpty)
    }

    @Test func theServiceDefaultAppliesWhenTheDefinitionSetsNone() throws {
        let d = try compile(Self.polling(maxSteps: nil))
        let small = Engine(defaultMaxSteps: 1)
        var t = small.start(StartWorkflow(instanceId: "i1", input: [:], origin: "api"), definition: d, now: t0)
        #expect(t.instance.status == .running)
        t = small.taskResultReceived(completed(t.dispatches[0], output: ["done": false]), instance: t.instance, definition: d, at: t1)
        #expect(t.instance.error?.code == "STEP_LIMIT_EXCEEDED")
        #expect(t.instance.error?.message.contains("the service's default") == true)
    }

    @Test func maxStepsMustBeAPositiveWholeNumber() {
        #expect(throws: DefinitionError.self) { try compile(Self.polling(maxSteps: 0)) }
    }
}
