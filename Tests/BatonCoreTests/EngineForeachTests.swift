import BatonCore
import BatonExpressions
import Testing

/// `foreach` steps.
@Suite("Engine: foreach steps")
struct EngineForeachTests {
    let engine = Engine()

    static func definition(maxConcurrency: Int = 2, tolerated: String = "0", body: String = "[{id: charge, type: task, taskType: pay, input: {order: \"${ $.item }\", n: \"${ $.index }\"}}]") -> String {
        """
        id: fan
        steps:
          - id: each
            type: foreach
            items: "${ $.input.orders }"
            maxConcurrency: \(maxConcurrency)
            toleratedFailures: \(tolerated)
            steps: \(body)
            next: done
          - {id: done, type: task, taskType: report, input: "${ $.steps.each.output }"}
        """
    }

    func start(_ d: WorkflowDefinition, items: Int) -> Transition {
        engine.start(StartWorkflow(instanceId: "i1", input: ["orders": .array((0..<items).map { .string("o\($0)") })], origin: "api"), definition: d, now: t0)
    }

    func complete(_ task: TaskDispatch, _ output: JSONValue, _ instance: WorkflowInstance, _ d: WorkflowDefinition, at time: Timestamp = t1) -> Transition {
        engine.taskResultReceived(
            TaskResult(taskId: task.taskId, instanceId: "i1", stepId: task.stepId, executionId: task.executionId, attempt: task.attempt, status: .completed, output: output),
            instance: instance, definition: d, at: time
        )
    }

    func fail(_ task: TaskDispatch, _ instance: WorkflowInstance, _ d: WorkflowDefinition) -> Transition {
        engine.taskResultReceived(
            TaskResult(taskId: task.taskId, instanceId: "i1", stepId: task.stepId, executionId: task.executionId, attempt: task.attempt, status: .failed, error: ErrorInfo(code: "DECLINED", message: "no")),
            instance: instance, definition: d, at: t1
        )
    }

    @Test func itemsStartUpToTheLimitEachWithItsItemAndIndex() throws {
        let d = try compile(Self.definition())
        let s = start(d, items: 5)
        #expect(s.effects == [
            .emitLifecycle(LifecycleEvent(id: "i1.1", type: .workflowStarted, instanceId: "i1", workflowId: "fan", workflowVersion: 1, status: "RUNNING", time: t0)),
            .emitLifecycle(LifecycleEvent(id: "i1.3", type: .stepScheduled, instanceId: "i1", workflowId: "fan", workflowVersion: 1, stepId: "charge", executionId: "each[0]", taskId: "i1.1", attempt: 1, status: "SCHEDULED", time: t0)),
            .dispatchTask(TaskDispatch(taskId: "i1.1", instanceId: "i1", workflowId: "fan", workflowVersion: 1, stepId: "charge", executionId: "each[0]", taskType: "pay", attempt: 1, input: ["order": "o0", "n": 0], scheduledAt: t0)),
            .emitLifecycle(LifecycleEvent(id: "i1.4", type: .stepScheduled, instanceId: "i1", workflowId: "fan", workflowVersion: 1, stepId: "charge", executionId: "each[1]", taskId: "i1.2", attempt: 1, status: "SCHEDULED", time: t0)),
            .dispatchTask(TaskDispatch(taskId: "i1.2", instanceId: "i1", workflowId: "fan", workflowVersion: 1, stepId: "charge", executionId: "each[1]", taskType: "pay", attempt: 1, input: ["order": "o1", "n": 1], scheduledAt: t0)),
        ])
        let state = try #require(s.instance.root.foreach["each"])
        #expect((state.total, state.nextIndex, state.running, state.completed) == (5, 2, 2, 0))
        #expect(s.instance.root.steps["each"]?.status == .running)
    }

    @Test func anItemThatEndsStartsTheNextAndOutputsAreCollectedInItemOrder() throws {
        let d = try compile(Self.definition())
        var t = start(d, items: 3)
        let first = t.dispatches
        // Item 1 finishes before item 0.
        t = complete(first[1], "r1", t.instance, d)
        #expect(t.dispatches.map(\.executionId) == ["each[2]"])
        #expect(t.instance.executions["each[1]"] == nil)  // an ended item leaves only its output
        let third = t.dispatches[0]
        t = complete(third, "r2", t.instance, d)
        #expect(t.dispatches.isEmpty)
        t = complete(first[0], "r0", t.instance, d)
        #expect(t.instance.root.steps["each"]?.output == ["r0", "r1", "r2"])
        #expect(t.dispatches.map(\.input) == [["r0", "r1", "r2"]])
        #expect(t.instance.executions.keys.sorted() == ["root"])
    }

    @Test func failuresWithinTheToleranceLeaveNullAndTheStepCompletes() throws {
        let d = try compile(Self.definition(maxConcurrency: 3, tolerated: "\"50%\""))
        var t = start(d, items: 3)
        let tasks = t.dispatches
        t = fail(tasks[0], t.instance, d)
        #expect(t.instance.root.steps["each"]?.status == .running)
        t = complete(tasks[1], 1, t.instance, d)
        t = complete(tasks[2], 2, t.instance, d)
        #expect(t.instance.root.steps["each"]?.output == [.null, 1, 2])
        #expect(t.instance.root.foreach["each"]?.failed == 1)
    }

    @Test func oneFailureTooManyFailsTheStepAndCancelsTheRunningItems() throws {
        let d = try compile(Self.definition(maxConcurrency: 3, tolerated: "1"))
        var t = start(d, items: 5)
        let tasks = t.dispatches
        t = fail(tasks[0], t.instance, d)
        #expect(t.dispatches.map(\.executionId) == ["each[3]"])
        t = fail(tasks[1], t.instance, d)
        #expect(t.instance.status == .failed)
        #expect(t.instance.error?.code == "DECLINED")
        #expect(t.instance.error?.stepId == "each")
        #expect(t.instance.error?.message.hasPrefix("item 1 of step 'each' failed (2 of 5 failed, 1 tolerated)") == true)
        let cancelled = t.effects.compactMap { if case .cancelTask(let c) = $0 { c.executionId } else { nil } }
        #expect(cancelled == ["each[2]", "each[3]"])
    }

    @Test func anEmptyListCompletesAtOnceWithAnEmptyOutput() throws {
        let d = try compile(Self.definition())
        let s = start(d, items: 0)
        #expect(s.instance.root.steps["each"]?.output == [])
        #expect(s.dispatches.map(\.stepId) == ["done"])
    }

    @Test func itemsWithoutTasksRunInOneTransitionWithoutRecursing() throws {
        let d = try compile(Self.definition(maxConcurrency: 1, body: "[{id: double, type: set, set: {x: \"${ $.index * 2 }\"}}]"))
        let s = start(d, items: 300)
        let output = try #require(s.instance.root.steps["each"]?.output?.arrayValue)
        #expect(output.count == 300)
        #expect(output[299] == ["x": 598])
    }

    @Test func itemsThatAreNotAnArrayFailTheStepWithAMappingError() throws {
        let d = try compile(Self.definition())
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["orders": "nope"], origin: "api"), definition: d, now: t0)
        #expect(s.instance.status == .failed)
        #expect(s.instance.error?.code == "INPUT_MAPPING_ERROR")
    }

    @Test func parallelInsideForeachInsideParallelNestsExecutionIds() throws {
        let d = try compile("""
            id: fan
            steps:
              - id: outer
                type: parallel
                branches:
                  - name: a
                    steps:
                      - id: each
                        type: foreach
                        items: "${ $.input.orders }"
                        steps:
                          - id: inner
                            type: parallel
                            branches:
                              - {name: x, steps: [{id: tx, type: task, taskType: t, input: "${ $.item }"}]}
                              - {name: y, steps: [{id: ty, type: set, set: {seen: "${ $.index }"}}]}
            """)
        let s = start(d, items: 2)
        #expect(s.dispatches.map(\.executionId) == ["outer/a/each[0]/inner/x", "outer/a/each[1]/inner/x"])
        #expect(s.dispatches.map(\.input) == ["o0", "o1"])
        var t = complete(s.dispatches[0], "X0", s.instance, d)
        t = complete(s.dispatches[1], "X1", t.instance, d, at: t2)
        #expect(t.instance.status == .completed)
        #expect(t.instance.output == ["a": [["x": "X0", "y": ["seen": 0]], ["x": "X1", "y": ["seen": 1]]]])
    }

    @Test func aResultCostsTheSameWhateverTheItemCount() throws {
        // The per-result work must not grow with the items: a chunk of outputs is copied, not all.
        let d = try compile(Self.definition(maxConcurrency: 10))
        func timePerResult(_ items: Int) -> Duration {
            var t = start(d, items: items)
            var pending = t.dispatches
            let clock = ContinuousClock()
            let started = clock.now
            for _ in 0..<500 {
                let task = pending.removeFirst()
                t = complete(task, "ok", t.instance, d)
                pending += t.dispatches
            }
            return (clock.now - started) / 500
        }
        _ = timePerResult(1_000)
        let small = timePerResult(1_000)
        let large = timePerResult(20_000)
        print("foreach engine cost per result: \(small) at 1,000 items, \(large) at 20,000 items")
        #expect(large < small * 3, "a result at 20,000 items costs \(large), at 1,000 \(small)")
    }
}
