import BatonCore
import BatonExpressions
import Testing

/// `parallel` steps, with every transition's whole effect list written out.
@Suite("Engine: parallel steps")
struct EngineParallelTests {
    let engine = Engine()

    static let checks = """
        id: par
        steps:
          - id: checks
            type: parallel
            branches:
              - name: stock
                steps:
                  - {id: reserve, type: task, taskType: stock.reserve, input: "${ $.input.sku }"}
              - name: fraud
                steps:
                  - {id: score, type: task, taskType: fraud.score, next: verdict}
                  - {id: verdict, type: set, set: {risk: "${ $.steps.score.output.risk }"}}
            next: ship
          - {id: ship, type: task, taskType: ship, input: "${ $.steps.checks.output }"}
        """

    func definition(_ yaml: String = checks, join: String? = nil) throws -> WorkflowDefinition {
        var text = yaml
        if let join { text = text.replacingOccurrences(of: "    type: parallel\n", with: "    type: parallel\n    join: \(join)\n") }
        return try compile(text)
    }

    func dispatch(_ task: Int, _ step: String, _ type: String, in execution: String, input: JSONValue, at time: Timestamp, attempt: Int = 1) -> Effect {
        .dispatchTask(TaskDispatch(
            taskId: "i1.\(task)", instanceId: "i1", workflowId: "par", workflowVersion: 1, stepId: step, executionId: execution,
            taskType: type, attempt: attempt, input: input, scheduledAt: time
        ))
    }

    func event(_ sequence: Int, _ type: LifecycleEventType, step: String? = nil, in execution: String? = nil, task: Int? = nil, status: String, output: JSONValue? = nil, error: ErrorInfo? = nil, duration: Int64? = nil, at time: Timestamp) -> Effect {
        .emitLifecycle(LifecycleEvent(
            id: "i1.\(sequence)", type: type, instanceId: "i1", workflowId: "par", workflowVersion: 1, stepId: step, executionId: execution,
            taskId: task.map { "i1.\($0)" }, attempt: step == nil ? nil : 1, status: status, output: output, error: error, durationMilliseconds: duration, time: time
        ))
    }

    func cancellation(_ task: Int, _ step: String, _ type: String, in execution: String, reason: String, at time: Timestamp) -> Effect {
        .cancelTask(TaskCancellation(taskId: "i1.\(task)", instanceId: "i1", workflowId: "par", stepId: step, executionId: execution, taskType: type, attempt: 1, reason: reason, cancelledAt: time))
    }

    func start(_ definition: WorkflowDefinition) -> Transition {
        engine.start(StartWorkflow(instanceId: "i1", input: ["sku": "book"], origin: "api"), definition: definition, now: t0)
    }

    func result(_ task: Int, _ step: String, in execution: String?, output: JSONValue) -> TaskResult {
        TaskResult(taskId: "i1.\(task)", instanceId: "i1", stepId: step, executionId: execution, attempt: 1, status: .completed, output: output)
    }

    @Test func startDispatchesTheFirstTaskOfEveryBranchInItsOwnExecution() throws {
        let s = start(try definition())
        #expect(s.effects == [
            event(1, .workflowStarted, status: "RUNNING", at: t0),
            event(3, .stepScheduled, step: "reserve", in: "checks/stock", task: 1, status: "SCHEDULED", at: t0),
            dispatch(1, "reserve", "stock.reserve", in: "checks/stock", input: "book", at: t0),
            event(4, .stepScheduled, step: "score", in: "checks/fraud", task: 2, status: "SCHEDULED", at: t0),
            dispatch(2, "score", "fraud.score", in: "checks/fraud", input: ["sku": "book"], at: t0),
        ])
        #expect(s.historyTypes == [.workflowStarted, .branchesStarted, .taskScheduled, .taskScheduled])
        #expect(s.history[2].executionId == "checks/stock")
        #expect(s.instance.executions.keys.sorted() == ["checks/fraud", "checks/stock", "root"])
        #expect(s.instance.root.steps["checks"]?.status == .running)
        #expect(s.instance.executions["checks/stock"]?.steps["reserve"]?.status == .scheduled)
        #expect(s.instance.root.steps["reserve"] == nil)
    }

    @Test func joinAllWaitsForEveryBranchAndCollectsTheirOutputsByName() throws {
        let d = try definition()
        let s = start(d)
        let a = engine.taskResultReceived(result(1, "reserve", in: "checks/stock", output: ["held": true]), instance: s.instance, definition: d, at: t1)
        #expect(a.effects == [event(5, .stepCompleted, step: "reserve", in: "checks/stock", task: 1, status: "COMPLETED", output: ["held": true], duration: 1000, at: t1)])
        #expect(a.instance.executions["checks/stock"]?.status == .completed)
        #expect(a.instance.root.steps["checks"]?.status == .running)

        // Without an executionId (a worker from before executions): matched by its task id.
        let b = engine.taskResultReceived(result(2, "score", in: nil, output: ["risk": 3]), instance: a.instance, definition: d, at: t2)
        let joined: JSONValue = ["stock": ["held": true], "fraud": ["risk": 3]]
        #expect(b.effects == [
            event(7, .stepCompleted, step: "score", in: "checks/fraud", task: 2, status: "COMPLETED", output: ["risk": 3], duration: 2000, at: t2),
            event(11, .stepScheduled, step: "ship", in: "root", task: 3, status: "SCHEDULED", at: t2),
            dispatch(3, "ship", "ship", in: "root", input: joined, at: t2),
        ])
        #expect(b.historyTypes == [.taskCompleted, .variablesSet, .branchEnded, .branchesJoined, .taskScheduled])
        #expect(b.instance.root.steps["checks"]?.output == joined)
        #expect(b.instance.vars["risk"] == 3)
    }

    @Test func joinAnyTakesTheFirstBranchAndCancelsTheOthersTasks() throws {
        let d = try definition(join: "any")
        let s = start(d)
        let a = engine.taskResultReceived(result(2, "score", in: "checks/fraud", output: ["risk": 1]), instance: s.instance, definition: d, at: t1)
        #expect(a.effects == [
            event(5, .stepCompleted, step: "score", in: "checks/fraud", task: 2, status: "COMPLETED", output: ["risk": 1], duration: 1000, at: t1),
            cancellation(1, "reserve", "stock.reserve", in: "checks/stock", reason: "step 'checks' joined without branch 'stock'", at: t1),
            event(9, .stepScheduled, step: "ship", in: "root", task: 3, status: "SCHEDULED", at: t1),
            dispatch(3, "ship", "ship", in: "root", input: ["fraud": ["risk": 1]], at: t1),
        ])
        #expect(a.instance.executions["checks/stock"]?.status == .cancelled)
        #expect(a.instance.executions["checks/stock"]?.steps["reserve"]?.status == .cancelled)
        #expect(a.instance.activeTasks.keys.sorted() == ["i1.3"])
        // The cancelled branch's late result changes nothing.
        let late = engine.taskResultReceived(result(1, "reserve", in: "checks/stock", output: [:]), instance: a.instance, definition: d, at: t2)
        #expect(late.rejection == .staleAttempt)
    }

    @Test func joinCountCompletesAfterNBranches() throws {
        let three = Self.checks.replacingOccurrences(of: "    next: ship\n", with: "      - name: third\n        steps:\n          - {id: extra, type: task, taskType: x}\n    next: ship\n")
        let d = try definition(three, join: "2")
        let s = start(d)
        let a = engine.taskResultReceived(result(3, "extra", in: "checks/third", output: 1), instance: s.instance, definition: d, at: t1)
        #expect(a.instance.root.steps["checks"]?.status == .running)
        let b = engine.taskResultReceived(result(1, "reserve", in: "checks/stock", output: 2), instance: a.instance, definition: d, at: t2)
        #expect(b.instance.root.steps["checks"]?.output == ["third": 1, "stock": 2])
        #expect(b.dispatches.map(\.stepId) == ["ship"])
        #expect(b.effects.contains(cancellation(2, "score", "fraud.score", in: "checks/fraud", reason: "step 'checks' joined without branch 'fraud'", at: t2)))
    }

    @Test func aFailingBranchFailsTheStepCancelsTheOthersAndTheStepsCatchApplies() throws {
        let yaml = Self.checks.replacingOccurrences(of: "    next: ship\n", with: "    next: ship\n    catch: [{errors: [OUT_OF_STOCK], next: sorry}]\n")
            + "\n  - {id: sorry, type: succeed, output: {apology: true}}\n"
        let d = try definition(yaml)
        let s = start(d)
        let failure = TaskResult(taskId: "i1.1", instanceId: "i1", stepId: "reserve", executionId: "checks/stock", attempt: 1, status: .failed, error: ErrorInfo(code: "OUT_OF_STOCK", message: "none left", retryable: false))
        let f = engine.taskResultReceived(failure, instance: s.instance, definition: d, at: t1)
        let stepError = ErrorInfo(
            code: "OUT_OF_STOCK", message: "branch 'stock' of step 'checks' failed: none left", retryable: false, details: ["branch": "stock"],
            stepId: "checks", attempt: 1, time: t1
        )
        let branchError = ErrorInfo(code: "OUT_OF_STOCK", message: "none left", retryable: false, stepId: "reserve", attempt: 1, time: t1)
        #expect(f.effects == [
            event(5, .stepFailed, step: "reserve", in: "checks/stock", task: 1, status: "FAILED", error: branchError, duration: 1000, at: t1),
            cancellation(2, "score", "fraud.score", in: "checks/fraud", reason: "branch 'stock' of step 'checks' failed", at: t1),
            event(7, .stepFailed, step: "checks", in: "root", status: "FAILED", error: stepError, duration: 1000, at: t1),
            event(9, .workflowCompleted, status: "COMPLETED", output: ["apology": true], duration: 1000, at: t1),
        ])
        #expect(f.instance.status == .completed)
        #expect(f.instance.executions["checks/fraud"]?.status == .cancelled)
        #expect(f.instance.executions["checks/stock"]?.status == .failed)
    }

    @Test func aRetriedParallelStepRunsEveryBranchAgainWithNewTasks() throws {
        let yaml = Self.checks.replacingOccurrences(of: "    next: ship\n", with: "    next: ship\n    retry: {maxAttempts: 2, initialInterval: 1s}\n")
        let d = try definition(yaml)
        let s = start(d)
        let failure = TaskResult(taskId: "i1.2", instanceId: "i1", stepId: "score", executionId: "checks/fraud", attempt: 1, status: .failed, error: ErrorInfo(code: "FLAKY", message: "try again", retryable: true))
        let f = engine.taskResultReceived(failure, instance: s.instance, definition: d, at: t1)
        #expect(f.instance.root.steps["checks"]?.status == .retrying)
        #expect(f.instance.timers.keys.sorted() == ["retry:checks:2"])
        #expect(f.instance.activeTasks.isEmpty)
        let r = engine.timerFired("retry:checks:2", instance: f.instance, definition: d, at: t2)
        #expect(r.dispatches.map(\.taskId) == ["i1.3", "i1.4"])
        #expect(r.dispatches.map(\.executionId) == ["checks/stock", "checks/fraud"])
        #expect(r.instance.root.steps["checks"]?.attempt == 2)
        #expect(r.instance.executions["checks/fraud"]?.status == .running)
        #expect(r.instance.executions["checks/fraud"]?.steps["score"]?.status == .scheduled)
    }

    @Test func nestedParallelStepsGetPathIdsAndJoinUpwards() throws {
        let d = try compile("""
            id: par
            steps:
              - id: outer
                type: parallel
                branches:
                  - name: a
                    steps:
                      - id: inner
                        type: parallel
                        branches:
                          - {name: x, steps: [{id: tx, type: task, taskType: t}]}
                          - {name: y, steps: [{id: ty, type: set, set: {y: 1}}]}
                  - name: b
                    steps: [{id: tb, type: task, taskType: t}]
            """)
        let s = start(d)
        #expect(s.dispatches.map(\.executionId) == ["outer/a/inner/x", "outer/b"])
        #expect(s.instance.executions["outer/a/inner/y"]?.status == .completed)
        let a = engine.taskResultReceived(result(1, "tx", in: "outer/a/inner/x", output: "X"), instance: s.instance, definition: d, at: t1)
        #expect(a.instance.executions["outer/a"]?.status == .completed)
        #expect(a.instance.executions["outer/a"]?.output == ["x": "X", "y": ["y": 1]])
        let b = engine.taskResultReceived(result(2, "tb", in: "outer/b", output: "B"), instance: a.instance, definition: d, at: t2)
        #expect(b.instance.status == .completed)
        #expect(b.instance.output == ["a": ["x": "X", "y": ["y": 1]], "b": "B"])
    }

    @Test func cancellingTheInstanceCancelsEveryBranchTask() throws {
        let d = try definition()
        let s = start(d)
        let c = engine.cancelRequested(reason: "no", by: "ops", instance: s.instance, definition: d, at: t1)
        #expect(c.effects.compactMap { if case .cancelTask(let t) = $0 { t.executionId } else { nil } } == ["checks/stock", "checks/fraud"])
        #expect(c.instance.executions.values.allSatisfy { $0.status == .cancelled })
    }

    @Test func duplicatesOfABranchResultAreFoundWithOrWithoutTheExecution() throws {
        let d = try definition()
        let s = start(d)
        let a = engine.taskResultReceived(result(1, "reserve", in: "checks/stock", output: 1), instance: s.instance, definition: d, at: t1)
        #expect(engine.taskResultReceived(result(1, "reserve", in: "checks/stock", output: 1), instance: a.instance, definition: d, at: t2).rejection == .duplicateResult)
        #expect(engine.taskResultReceived(result(1, "reserve", in: nil, output: 1), instance: a.instance, definition: d, at: t2).rejection == .duplicateResult)
        #expect(engine.taskResultReceived(result(1, "reserve", in: nil, output: 2), instance: a.instance, definition: d, at: t2).rejection == .conflictingResult)
        #expect(engine.taskResultReceived(result(2, "score", in: "checks/stock", output: 1), instance: a.instance, definition: d, at: t2).rejection == .mismatchedResult)
    }

    @Test func definitionsKeepTransitionsInsideTheirSequence() throws {
        let bad = """
            id: par
            steps:
              - id: p
                type: parallel
                join: 3
                branches:
                  - {name: a, steps: [{id: a1, type: task, taskType: t, next: after}]}
                  - {name: a, steps: [{id: b1, type: task, taskType: t}]}
                next: a1
              - {id: after, type: task, taskType: t}
            """
        #expect(throws: DefinitionError.self) { try compile(bad) }
        do {
            _ = try compile(bad)
        } catch let error as DefinitionError {
            let messages = error.issues.map { "\($0.field): \($0.message)" }
            #expect(messages.contains { $0.contains("/steps/0/branches/0/steps/0/next") && $0.contains("not in branch 'p/a'") })
            #expect(messages.contains { $0.contains("/steps/0/next") && $0.contains("is in branch 'p/a'") })
            #expect(messages.contains { $0.contains("duplicate branch name 'a'") })
            #expect(messages.contains { $0.contains("asks for 3 branches") })
        }
    }
}
