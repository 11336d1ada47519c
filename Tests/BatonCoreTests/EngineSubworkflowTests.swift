import BatonCore
import BatonExpressions
import Testing

/// `subworkflow` steps, with every transition's whole effect list written out: the parent's side
/// (start, outcome, timeout, retry, cancel) and the child's (its parent link, its report).
@Suite("Engine: subworkflow steps")
struct EngineSubworkflowTests {
    let engine = Engine()

    static let order = """
        id: order
        steps:
          - id: ship
            type: subworkflow
            workflow: shipping
            input: {sku: "${ $.input.sku }"}
            timeout: 1m
            next: done
          - {id: done, type: set, set: {shipped: "${ $.steps.ship.output.tracking }"}}
        """

    static let shipping = """
        id: shipping
        steps:
          - {id: pack, type: task, taskType: warehouse.pack}
        """

    let link = ParentLink(instanceId: "i1", executionId: "root", stepId: "ship", depth: 1)

    func event(_ sequence: Int, _ type: LifecycleEventType, instance: String = "i1", workflow: String = "order", step: String? = nil, in execution: String? = nil, status: String, output: JSONValue? = nil, error: ErrorInfo? = nil, duration: Int64? = nil, at time: Timestamp, parent: String? = nil, child: String? = nil) -> Effect {
        var event = LifecycleEvent(
            id: "\(instance).\(sequence)", type: type, instanceId: instance, workflowId: workflow, workflowVersion: 1, stepId: step, executionId: execution,
            attempt: step == nil ? nil : 1, status: status, output: output, error: error, durationMilliseconds: duration, time: time
        )
        event.parentInstanceId = parent
        event.childInstanceId = child
        return .emitLifecycle(event)
    }

    func startParent(_ yaml: String = order) throws -> (WorkflowDefinition, Transition) {
        let d = try compile(yaml)
        return (d, engine.start(StartWorkflow(instanceId: "i1", input: ["sku": "book"], origin: "api"), definition: d, now: t0))
    }

    func outcome(_ status: InstanceStatus, child: String = "i1.1", output: JSONValue? = nil, error: ErrorInfo? = nil) -> ChildOutcome {
        ChildOutcome(childId: child, childWorkflowId: "shipping", parent: link, status: status, output: output, error: error)
    }

    @Test func theStepAsksForItsChildInTheSameTransitionAndWaitsForIt() throws {
        let (_, s) = try startParent()
        #expect(s.effects == [
            event(1, .workflowStarted, status: "RUNNING", at: t0),
            .startChild(ChildStart(childId: "i1.1", workflowId: "shipping", version: nil, input: ["sku": "book"], parent: link)),
        ])
        #expect(s.historyTypes == [.workflowStarted, .subworkflowStarted])
        #expect(s.history[1].data["childInstanceId"] == "i1.1")
        #expect(s.instance.root.steps["ship"] == StepState(status: .running, childId: "i1.1", startedAt: t0))
        #expect(s.instance.timers["subworkflow-timeout:i1.1"] == .subworkflowTimeout(executionId: "root", stepId: "ship", childId: "i1.1", at: t0.adding(milliseconds: 60_000)))
        #expect(s.instance.taskSequence == 1)
    }

    @Test func aChildCarriesItsParentAndReportsItsEndOnce() throws {
        let d = try compile(Self.shipping)
        let c = engine.start(StartWorkflow(instanceId: "i1.1", input: ["sku": "book"], origin: "subworkflow:i1/ship", parent: link), definition: d, now: t0)
        #expect(c.instance.parent == link)
        #expect(c.effects.first == event(1, .workflowStarted, instance: "i1.1", workflow: "shipping", status: "RUNNING", at: t0, parent: "i1"))
        let task = try #require(c.dispatches.first)
        let done = engine.taskResultReceived(completed(task, output: ["tracking": "T-1"]), instance: c.instance, definition: d, at: t1)
        #expect(done.effects == [
            event(3, .stepCompleted, instance: "i1.1", workflow: "shipping", step: "pack", in: "root", status: "COMPLETED", output: ["tracking": "T-1"], duration: 1000, at: t1)
                .withTask("i1.1.1"),
            event(4, .workflowCompleted, instance: "i1.1", workflow: "shipping", status: "COMPLETED", output: ["tracking": "T-1"], duration: 1000, at: t1, parent: "i1"),
            .reportToParent(ChildOutcome(childId: "i1.1", childWorkflowId: "shipping", parent: link, status: .completed, output: ["tracking": "T-1"])),
        ])
        // Already ended: a late cancel reports nothing again.
        let late = engine.cancelRequested(reason: "late", by: "api", instance: done.instance, definition: d, at: t2)
        #expect(late.effects.isEmpty)
    }

    @Test func theChildsOutputCompletesTheStepAndTheParentGoesOn() throws {
        let (d, s) = try startParent()
        let done = engine.childEnded(outcome(.completed, output: ["tracking": "T-1"]), instance: s.instance, definition: d, at: t1)
        #expect(done.rejection == nil)
        #expect(done.effects == [event(5, .workflowCompleted, status: "COMPLETED", output: ["shipped": "T-1"], duration: 1000, at: t1)])
        #expect(done.historyTypes == [.subworkflowEnded, .variablesSet, .workflowCompleted])
        #expect(done.instance.root.steps["ship"]?.output == ["tracking": "T-1"])
        #expect(done.instance.timers.isEmpty)
        // The same report again, or one from a child the step does not wait for: recorded, ignored.
        let again = engine.childEnded(outcome(.completed, output: ["tracking": "T-1"]), instance: done.instance, definition: d, at: t2)
        #expect(again.rejection == .instanceFinished)
        let stranger = engine.childEnded(outcome(.completed, child: "i1.9"), instance: s.instance, definition: d, at: t2)
        #expect(stranger.rejection == .staleChild)
        #expect(stranger.effects.isEmpty)
        #expect(stranger.history.map(\.type) == [.inputIgnored])
    }

    @Test func aFailedChildFailsTheStepWithItsOwnCodeSoCatchCanMatchIt() throws {
        let yaml = Self.order.replacingOccurrences(of: "    next: done\n", with: "    next: done\n    catch: [{errors: [ADDRESS_INVALID], next: apologise}]\n")
            + "\n  - {id: apologise, type: succeed, output: {sorry: true}}\n"
        let (d, s) = try startParent(yaml)
        let childError = ErrorInfo(code: "ADDRESS_INVALID", message: "no such street", stepId: "pack", attempt: 1, time: t1)
        let failed = engine.childEnded(outcome(.failed, error: childError), instance: s.instance, definition: d, at: t1)
        let stepError = ErrorInfo(
            code: "ADDRESS_INVALID", message: "subworkflow 'shipping' (instance i1.1) ended FAILED: no such street",
            details: ["childInstanceId": "i1.1", "childError": childError.json], stepId: "ship", attempt: 1, time: t1
        )
        #expect(failed.effects == [
            event(4, .stepFailed, step: "ship", in: "root", status: "FAILED", error: stepError, duration: 1000, at: t1, child: "i1.1"),
            event(6, .workflowCompleted, status: "COMPLETED", output: ["sorry": true], duration: 1000, at: t1),
        ])
        #expect(failed.historyTypes == [.subworkflowEnded, .stepFailed, .errorHandled, .workflowCompleted])
    }

    @Test func aRetryStartsANewChildAndTheOldOnesLateReportIsStale() throws {
        let yaml = Self.order.replacingOccurrences(of: "    next: done\n", with: "    next: done\n    retry: {maxAttempts: 2, initialInterval: 1s, jitter: none}\n")
        let (d, s) = try startParent(yaml)
        let failed = engine.childEnded(outcome(.failed, error: ErrorInfo(code: "BOOM", message: "x", retryable: true)), instance: s.instance, definition: d, at: t1)
        #expect(failed.effects.isEmpty)
        #expect(failed.instance.root.steps["ship"]?.status == .retrying)
        let timer = try #require(failed.instance.timers["retry:ship:2"])
        let retried = engine.timerFired(timer.id, instance: failed.instance, definition: d, at: timer.fireAt)
        #expect(retried.effects == [
            .startChild(ChildStart(childId: "i1.2", workflowId: "shipping", version: nil, input: ["sku": "book"], parent: link)),
        ])
        #expect(retried.instance.root.steps["ship"]?.attempt == 2)
        #expect(retried.instance.root.steps["ship"]?.startedAt == t0)
        let late = engine.childEnded(outcome(.completed, output: [:]), instance: retried.instance, definition: d, at: t3)
        #expect(late.rejection == .staleChild)
    }

    @Test func pastTheTimeoutTheChildIsCancelledAndTheAttemptFailsWithTimeout() throws {
        let (d, s) = try startParent()
        let at = t0.adding(milliseconds: 60_000)
        let timedOut = engine.timerFired("subworkflow-timeout:i1.1", instance: s.instance, definition: d, at: at)
        let error = ErrorInfo(
            code: "TIMEOUT", message: "subworkflow step 'ship' (child instance i1.1) did not finish within its timeout", retryable: true,
            details: ["childInstanceId": "i1.1"], stepId: "ship", attempt: 1, time: at
        )
        #expect(timedOut.effects == [
            .cancelChild(ChildCancellation(childId: "i1.1", parentId: "i1", reason: "step 'ship' of instance i1 timed out waiting for it")),
            event(3, .stepFailed, step: "ship", in: "root", status: "FAILED", error: error, duration: 60_000, at: at, child: "i1.1"),
            event(4, .workflowFailed, step: "ship", status: "FAILED", error: error, duration: 60_000, at: at),
        ])
        // The cancelled child's report (if it came) would be stale; a parent-cancel never sends one.
        #expect(engine.childEnded(outcome(.cancelled), instance: timedOut.instance, definition: d, at: at).rejection == .instanceFinished)
    }

    @Test func cancellingTheParentCancelsItsRunningChildWhichDoesNotReportBack() throws {
        let (d, s) = try startParent()
        let cancelled = engine.cancelRequested(reason: "customer called", by: "api", instance: s.instance, definition: d, at: t1)
        #expect(cancelled.effects == [
            .cancelChild(ChildCancellation(childId: "i1.1", parentId: "i1", reason: "instance cancelled by api: customer called")),
            event(3, .workflowCancelled, status: "CANCELLED", error: ErrorInfo(code: "CANCELLED", message: "customer called", time: t1), duration: 1000, at: t1),
        ])
        #expect(cancelled.instance.root.steps["ship"]?.status == .cancelled)
        let childDefinition = try compile(Self.shipping)
        let child = engine.start(StartWorkflow(instanceId: "i1.1", input: [:], origin: "subworkflow:i1/ship", parent: link), definition: childDefinition, now: t0)
        let stopped = engine.parentCancelled(ChildCancellation(childId: "i1.1", parentId: "i1", reason: "instance cancelled by api: customer called"), instance: child.instance, definition: childDefinition, at: t1)
        #expect(stopped.instance.status == .cancelled)
        #expect(!stopped.effects.contains { if case .reportToParent = $0 { true } else { false } })
        #expect(stopped.effects.contains { if case .cancelTask = $0 { true } else { false } })
    }

    @Test func theParentsWorkflowTimeoutCancelsItsChild() throws {
        let (d, s) = try startParent("timeout: 1h\n" + Self.order)
        let at = t0.adding(milliseconds: 3_600_000)
        let timedOut = engine.timerFired("workflow-timeout", instance: s.instance, definition: d, at: at)
        #expect(timedOut.instance.status == .timedOut)
        #expect(timedOut.effects.first == .cancelChild(ChildCancellation(childId: "i1.1", parentId: "i1", reason: "the workflow timed out")))
        #expect(timedOut.instance.timers.isEmpty)
    }

    @Test func aBranchThatLosesAJoinAnyCancelsItsChild() throws {
        let yaml = """
            id: order
            steps:
              - id: race
                type: parallel
                join: any
                branches:
                  - name: fast
                    steps: [{id: quick, type: task, taskType: quick}]
                  - name: slow
                    steps: [{id: ship, type: subworkflow, workflow: shipping}]
            """
        let (d, s) = try startParent(yaml)
        let inBranch = ParentLink(instanceId: "i1", executionId: "race/slow", stepId: "ship", depth: 1)
        #expect(s.effects.contains(.startChild(ChildStart(childId: "i1.2", workflowId: "shipping", version: nil, input: ["sku": "book"], parent: inBranch))))
        let task = try #require(s.dispatches.first)
        let won = engine.taskResultReceived(completed(task), instance: s.instance, definition: d, at: t1)
        #expect(won.effects.contains(.cancelChild(ChildCancellation(childId: "i1.2", parentId: "i1", reason: "step 'race' joined without branch 'slow'"))))
        #expect(won.instance.status == .completed)
    }

    @Test func aChildTooDeepFailsTheStepInsteadOfRecursing() throws {
        let d = try compile("""
            id: loop
            steps:
              - {id: again, type: subworkflow, workflow: loop}
            """)
        let deep = ParentLink(instanceId: "p", executionId: "root", stepId: "again", depth: 16)
        let s = engine.start(StartWorkflow(instanceId: "i1", input: [:], origin: "subworkflow:p/again", parent: deep), definition: d, now: t0)
        #expect(s.instance.status == .failed)
        #expect(s.instance.error?.code == "SUBWORKFLOW_DEPTH_EXCEEDED")
        #expect(!s.effects.contains { if case .startChild = $0 { true } else { false } })
        #expect(s.effects.last == .reportToParent(ChildOutcome(childId: "i1", childWorkflowId: "loop", parent: deep, status: .failed, error: s.instance.error)))
    }

    @Test func aPausedParentKeepsTheReportUntilItResumes() throws {
        let (d, s) = try startParent()
        let paused = try engine.pauseRequested(reason: "r", by: "ops", instance: s.instance, definition: d, at: t1).get()
        let kept = engine.childEnded(outcome(.completed, output: ["tracking": "T-1"]), instance: paused.instance, definition: d, at: t2)
        #expect(kept.effects.isEmpty)
        #expect(kept.historyTypes == [.inputDeferred])
        #expect(engine.childEnded(outcome(.completed, output: ["tracking": "T-1"]), instance: kept.instance, definition: d, at: t2).rejection == .staleChild)
        let resumed = try engine.resumeRequested(reason: "r", by: "ops", instance: kept.instance, definition: d, at: t3).get()
        #expect(resumed.instance.status == .completed)
        #expect(resumed.instance.output == ["shipped": "T-1"])
    }

    @Test func theCompilerChecksTheStepsFields() throws {
        #expect(throws: DefinitionError.self) { try compile("id: x\nsteps:\n  - {id: s, type: subworkflow}\n") }
        #expect(throws: DefinitionError.self) { try compile("id: x\nsteps:\n  - {id: s, type: subworkflow, workflow: y, version: 0}\n") }
        #expect(throws: DefinitionError.self) { try compile("id: x\nsteps:\n  - {id: s, type: subworkflow, workflow: y, taskType: z}\n") }
        let d = try compile("id: x\nsteps:\n  - {id: s, type: subworkflow, workflow: y, version: 3, timeout: 5s}\n")
        #expect(d.steps["s"]?.kind == .subworkflow(SubworkflowStep(workflowId: "y", version: 3, timeoutMilliseconds: 5000)))
    }
}

extension Effect {
    /// The same lifecycle event with a task id (step events of task steps carry one).
    func withTask(_ taskId: String) -> Effect {
        guard case .emitLifecycle(var event) = self else { return self }
        event.taskId = taskId
        return .emitLifecycle(event)
    }
}
