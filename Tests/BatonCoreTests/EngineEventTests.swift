import BatonCore
import BatonExpressions
import Testing

/// `waitForEvent` steps and signals in the engine: waiting, delivery, kept signals, timeouts.
@Suite("Engine: waiting for events and signals")
struct EngineEventTests {
    let engine = Engine(eventWindowMilliseconds: 60_000)

    static let payment = """
        id: pay
        steps:
          - id: await
            type: waitForEvent
            event: payment.settled
            correlation: "${ $.input.orderId }"
            eventKey: "${ $.data.orderId }"
            into: payment
            timeout: 1h
            onTimeout: remind
            next: ship
          - {id: ship, type: task, taskType: ship, input: "${ $.vars.payment }"}
          - {id: remind, type: succeed, output: {reminded: true}}
        """

    func start(_ yaml: String = payment, input: JSONValue = ["orderId": "o-1"]) throws -> (WorkflowDefinition, Transition) {
        let d = try compile(yaml)
        return (d, engine.start(StartWorkflow(instanceId: "i1", input: input, origin: "api"), definition: d, now: t0))
    }

    let waitId = "event:await:1"

    @Test func theStepWaitsWithItsCorrelationKeyInTheInstanceAndATimer() throws {
        let (_, s) = try start()
        #expect(s.instance.root.steps["await"]?.status == .waiting)
        #expect(s.instance.eventWaits == [waitId: EventWait(
            id: waitId, event: "payment.settled", eventKeySource: "${ $.data.orderId }", correlationKey: "o-1", executionId: "root", stepId: "await", execution: 1
        )])
        #expect(s.instance.timers["timeout:\(waitId)"]?.fireAt == t0.adding(milliseconds: 3_600_000))
        #expect(s.historyTypes == [.workflowStarted, .eventWaitStarted])
        #expect(s.effects == [.emitLifecycle(LifecycleEvent(
            id: "i1.1", type: .workflowStarted, instanceId: "i1", workflowId: "pay", workflowVersion: 1, status: "RUNNING", time: t0
        ))])
        #expect(s.history[1].data == ["event": "payment.settled", "correlationKey": "o-1", "waitId": .string(waitId)])
    }

    @Test func theEventCompletesTheStepWithItsDataAndTheInstanceGoesOn() throws {
        let (d, s) = try start()
        let delivery = EventDelivery(waitId: waitId, name: "payment.settled", data: ["amount": 42], origin: "event:bank/e-1")
        let got = engine.eventReceived(delivery, instance: s.instance, definition: d, at: t1)
        #expect(got.rejection == nil)
        #expect(got.instance.root.steps["await"]?.output == ["amount": 42])
        #expect(got.instance.vars["payment"] == ["amount": 42])
        #expect(got.instance.eventWaits.isEmpty)
        #expect(got.instance.timers.isEmpty)
        #expect(got.dispatches.map(\.input) == [["amount": 42]])
        #expect(got.historyTypes == [.eventReceived, .taskScheduled])
        #expect(got.history[0].data["origin"] == "event:bank/e-1")
        // The same event again (a second matching delivery) finds no wait.
        #expect(engine.eventReceived(delivery, instance: got.instance, definition: d, at: t2).rejection == .staleWait)
    }

    @Test func aSignalBeforeTheStepIsKeptAndTakenWhenTheStepStarts() throws {
        let yaml = """
            id: sig
            steps:
              - {id: first, type: task, taskType: t, next: approve}
              - {id: approve, type: waitForEvent, event: approved, next: done}
              - {id: done, type: succeed, output: "${ $.steps.approve.output }"}
            """
        let (d, s) = try start(yaml)
        let kept = engine.eventReceived(EventDelivery(waitId: nil, name: "approved", data: ["by": "ann"], origin: "signal:ann"), instance: s.instance, definition: d, at: t1)
        #expect(kept.rejection == nil)
        #expect(kept.instance.signals == [BufferedSignal(name: "approved", data: ["by": "ann"], receivedAt: t1, by: "signal:ann")])
        #expect(kept.historyTypes == [.signalBuffered])
        #expect(kept.effects.isEmpty)
        let task = try #require(s.dispatches.first)
        let done = engine.taskResultReceived(completed(task), instance: kept.instance, definition: d, at: t2)
        #expect(done.instance.status == .completed)
        #expect(done.instance.output == ["by": "ann"])
        #expect(done.instance.signals.isEmpty)
        // Past the window the signal is gone: the step waits.
        let late = engine.taskResultReceived(completed(task), instance: kept.instance, definition: d, at: t1.adding(milliseconds: 60_001))
        #expect(late.instance.root.steps["approve"]?.status == .waiting)
        #expect(late.instance.signals.isEmpty)
    }

    @Test func pastTheTimeoutTheStepGoesToOnTimeoutOrFailsWithTimeout() throws {
        let (d, s) = try start()
        let at = t0.adding(milliseconds: 3_600_000)
        let timedOut = engine.timerFired("timeout:\(waitId)", instance: s.instance, definition: d, at: at)
        #expect(timedOut.instance.status == .completed)
        #expect(timedOut.instance.output == ["reminded": true])
        #expect(timedOut.instance.root.steps["await"]?.error?.code == "TIMEOUT")
        #expect(timedOut.instance.eventWaits.isEmpty)
        #expect(timedOut.historyTypes == [.eventWaitTimedOut, .workflowCompleted])
        // A late event is stale.
        let late = engine.eventReceived(EventDelivery(waitId: waitId, name: "payment.settled", data: [:], origin: "event:x/y"), instance: timedOut.instance, definition: d, at: at)
        #expect(late.rejection == .instanceFinished)

        let caught = Self.payment.replacingOccurrences(of: "    onTimeout: remind\n", with: "    catch: [{errors: [TIMEOUT], next: remind}]\n")
        let (d2, s2) = try start(caught)
        let failed = engine.timerFired("timeout:\(waitId)", instance: s2.instance, definition: d2, at: at)
        #expect(failed.instance.status == .completed)
        #expect(failed.historyTypes == [.eventWaitTimedOut, .stepFailed, .errorHandled, .workflowCompleted])
    }

    @Test func aPausedInstanceTakesTheEventAtResume() throws {
        let (d, s) = try start()
        let paused = try engine.pauseRequested(reason: "r", by: "ops", instance: s.instance, definition: d, at: t1).get()
        let delivery = EventDelivery(waitId: waitId, name: "payment.settled", data: ["amount": 1], origin: "event:bank/e-1")
        let kept = engine.eventReceived(delivery, instance: paused.instance, definition: d, at: t2)
        #expect(kept.historyTypes == [.inputDeferred])
        #expect(engine.eventReceived(delivery, instance: kept.instance, definition: d, at: t2).rejection == .staleWait)
        let resumed = try engine.resumeRequested(reason: "r", by: "ops", instance: kept.instance, definition: d, at: t3).get()
        #expect(resumed.instance.root.steps["await"]?.status == .completed)
        #expect(resumed.dispatches.count == 1)
    }

    @Test func aCorrelationThatIsNotAKeyFailsTheStep() throws {
        let (_, s) = try start(input: ["orderId": ["nested": 1]])
        #expect(s.instance.status == .failed)
        #expect(s.instance.error?.code == "INPUT_MAPPING_ERROR")
        #expect(s.instance.eventWaits.isEmpty)
    }

    @Test func aWaitInABranchThatLosesAJoinIsDropped() throws {
        let yaml = """
            id: race
            steps:
              - id: either
                type: parallel
                join: any
                branches:
                  - name: task
                    steps: [{id: work, type: task, taskType: t}]
                  - name: event
                    steps: [{id: hear, type: waitForEvent, event: done, correlation: "${ $.input.orderId }"}]
            """
        let (d, s) = try start(yaml)
        #expect(s.instance.eventWaits.keys.sorted() == ["event:either/event/hear:1"])
        let won = engine.taskResultReceived(completed(try #require(s.dispatches.first)), instance: s.instance, definition: d, at: t1)
        #expect(won.instance.status == .completed)
        #expect(won.instance.eventWaits.isEmpty)
    }

    @Test func theCompilerChecksTheStepsFields() throws {
        #expect(throws: DefinitionError.self) { try compile("id: x\nsteps:\n  - {id: w, type: waitForEvent}\n") }
        #expect(throws: DefinitionError.self) { try compile("id: x\nsteps:\n  - {id: w, type: waitForEvent, event: e, eventKey: \"${ $.id }\"}\n") }
        #expect(throws: DefinitionError.self) { try compile("id: x\nsteps:\n  - {id: w, type: waitForEvent, event: e, onTimeout: w}\n") }
        #expect(throws: DefinitionError.self) { try compile("id: x\nsteps:\n  - {id: w, type: waitForEvent, event: e, timeout: 1m, onTimeout: nowhere}\n") }
        let d = try compile("id: x\nsteps:\n  - {id: w, type: waitForEvent, event: e, correlation: \"${ $.input.k }\"}\n")
        guard case .waitForEvent(let wait)? = d.steps["w"]?.kind else { Issue.record("not a waitForEvent step"); return }
        #expect(wait.eventKeySource == "${ $.subject }")
    }
}
