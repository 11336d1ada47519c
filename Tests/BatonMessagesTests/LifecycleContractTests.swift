import BatonCore
import BatonExpressions
import BatonMessages
import Testing

@Suite("Lifecycle events on <prefix>lifecycle")
struct LifecycleContractTests {
    static let declined = ErrorInfo(
        code: "PAYMENT_DECLINED", message: "the card issuer declined the charge", retryable: false,
        details: ["declineCode": "insufficient_funds"], stepId: "charge", attempt: 2, time: Times.at(1552)
    )

    static func event(_ type: LifecycleEventType, _ sequence: Int, status: String, stepId: String? = nil, taskId: String? = nil, attempt: Int? = nil, output: JSONValue? = nil, error: ErrorInfo? = nil, duration: Int64? = nil) -> LifecycleEvent {
        LifecycleEvent(
            id: "inst-1.\(sequence)", type: type, instanceId: "inst-1", workflowId: "order-fulfilment", workflowVersion: 2,
            stepId: stepId, taskId: taskId, attempt: attempt, status: status, output: output, error: error,
            durationMilliseconds: duration, time: Times.at(Int64(sequence) * 10)
        )
    }

    /// One event of every type as the engine emits it, plus the variants of the optional fields.
    static let events: [LifecycleEvent] = [
        event(.workflowStarted, 1, status: "RUNNING"),
        event(.stepScheduled, 2, status: "SCHEDULED", stepId: "reserve", taskId: "inst-1.1", attempt: 1),
        event(.stepCompleted, 3, status: "COMPLETED", stepId: "reserve", taskId: "inst-1.1", attempt: 1, output: ["available": true, "reservationId": "r-1"], duration: 268),
        event(.stepCompleted, 4, status: "COMPLETED", stepId: "reserve", taskId: "inst-1.1", attempt: 1, output: .null, duration: 0),
        event(.stepFailed, 5, status: "FAILED", stepId: "charge", taskId: "inst-1.2", attempt: 2, error: declined, duration: 1552),
        event(.stepFailed, 6, status: "FAILED", stepId: "recordShortage", attempt: 1, error: ErrorInfo(code: "INPUT_MAPPING_ERROR", message: "value 'x' of step 'recordShortage' failed: no such field", retryable: false, stepId: "recordShortage", attempt: 1, time: Times.at(60)), duration: 0),
        event(.workflowCompleted, 7, status: "COMPLETED", output: ["orderId": "o-1", "items": [1, 2.5, "three", nil]], duration: 582),
        event(.workflowCompleted, 8, status: "COMPLETED", output: .null, duration: 3),
        event(.workflowFailed, 9, status: "FAILED", stepId: "charge", attempt: 2, error: declined, duration: 1820),
        event(.workflowFailed, 10, status: "FAILED", error: ErrorInfo(code: "OUTPUT_MAPPING_ERROR", message: "workflow output mapping failed", time: Times.at(100)), duration: 900),
        event(.workflowCancelled, 11, status: "CANCELLED", error: ErrorInfo(code: "CANCELLED", message: "customer withdrew the order"), duration: 12_903),
        event(.stepRetrying, 12, status: "RETRYING", stepId: "charge", taskId: "inst-1.2", attempt: 1, error: ErrorInfo(code: "UNAVAILABLE", message: "503", retryable: true, stepId: "charge", attempt: 1, time: Times.at(120)), duration: 820),
        event(.stepTimedOut, 13, status: "FAILED", stepId: "charge", taskId: "inst-1.3", attempt: 2, error: ErrorInfo(code: "TIMEOUT", message: "late", retryable: true), duration: 30_000),
        event(.workflowPaused, 15, status: "PAUSED"),
        event(.workflowResumed, 16, status: "RUNNING"),
        event(.workflowResumed, 17, status: "RUNNING", stepId: "charge"),
        event(.workflowTimedOut, 14, status: "TIMED_OUT", error: ErrorInfo(code: "WORKFLOW_TIMEOUT", message: "the workflow did not finish within its timeout", time: Times.at(140)), duration: 3_600_000),
        event(.workflowQueued, 18, status: "QUEUED"),
    ]

    @Test func everyEventTypeIsCovered() {
        #expect(Set(Self.events.map(\.type)) == Set(LifecycleEventType.allCases))
    }

    @Test func schemaTypeEnumIsTheEngineEventTypesThenTheCircuitTypes() throws {
        let schema = try Contract.schema("lifecycle-event")
        let types = schema["properties"]?["type"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(types == LifecycleEventType.allCases.map(\.rawValue) + CircuitEvent.Kind.allCases.map(\.rawValue))
    }

    @Test(arguments: CircuitEvent.Kind.allCases)
    func circuitEventsValidateAndAreKeyedByTaskType(_ kind: CircuitEvent.Kind) throws {
        let event = CircuitEvent(kind: kind, taskType: "payment.charge", state: kind == .opened ? "OPEN" : "CLOSED", failures: 10, windowMilliseconds: 60_000, coolDownMilliseconds: 30_000, time: Times.at(5))
        let wire = CircuitEventCodec.encode(event, topics: TopicNames())
        #expect(wire.topic == "baton.lifecycle")
        #expect(wire.key == Array("tasktype:payment.charge".utf8))
        for report in try Contract.validate(values: [wire.value], against: "lifecycle-event") { #expect(report.isValid, "\(report)") }
        // The other state is refused: the schema ties each type to its state.
        var wrong = event
        wrong.state = kind == .opened ? "CLOSED" : "OPEN"
        for report in try Contract.validate(values: [CircuitEventCodec.encode(wrong, topics: TopicNames()).value], against: "lifecycle-event") { #expect(!report.isValid) }
    }

    @Test func schemaStatusEnumCoversInstanceAndStepStatuses() throws {
        let schema = try Contract.schema("lifecycle-event")
        let statuses = Set(schema["$defs"]?["data"]?["properties"]?["status"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        // Step statuses that step events carry (wait steps emit none, so WAITING is not among them).
        let expected = Set(InstanceStatus.allCases.map(\.rawValue) + [StepStatus.scheduled, .retrying, .completed, .failed].map(\.rawValue))
        #expect(statuses == expected)
    }

    @Test func encodedEventsOfEveryTypeValidateAgainstTheSchema() throws {
        let reports = try Contract.validate(values: Self.events.map { LifecycleCodec.encode($0, topics: TopicNames()).value }, against: "lifecycle-event")
        for report in reports { #expect(report.isValid, "\(report)") }
    }

    @Test func theDirectlyWrittenRecordIsTheCloudEventsStructuredRecord() throws {
        // `encode` writes the JSON itself (the hot path); it must be what the generic codec makes.
        for (index, event) in Self.events.enumerated() {
            let source = index.isMultiple(of: 2) ? LifecycleCodec.defaultSource : "urn:baton:eu-1"
            let direct = LifecycleCodec.encode(event, topics: TopicNames(), source: source)
            let generic = CloudEventCodec.encodeStructured(LifecycleCodec.cloudEvent(event, source: source), topic: "baton.lifecycle", key: Array(event.instanceId.utf8))
            #expect(try JSONValue.parse(direct.value) == JSONValue.parse(generic.value), "\(event.type)")
            #expect(direct.headers == generic.headers)
            #expect(direct.key == generic.key)
        }
    }

    @Test func eventIsKeyedByInstanceWithContentTypeAndMirroredAttributeHeaders() {
        let wire = LifecycleCodec.encode(Self.events[2], topics: TopicNames())
        #expect(wire.topic == "baton.lifecycle")
        #expect(wire.key == Array("inst-1".utf8))
        #expect(wire.headers == [
            WireHeader("content-type", "application/cloudevents+json; charset=utf-8"),
            WireHeader("ce_specversion", "1.0"), WireHeader("ce_id", "inst-1.3"), WireHeader("ce_source", "urn:baton:orchestrator"),
            WireHeader("ce_type", "step.completed"), WireHeader("ce_subject", "inst-1"), WireHeader("ce_time", "2026-11-27T21:15:51.150Z"),
        ])
    }

    @Test func stepCompletedEventIsExactlyTheDocumentedEnvelope() throws {
        let json = try JSONValue.parse(LifecycleCodec.encode(Self.events[2], topics: TopicNames()).value)
        #expect(json == [
            "specversion": "1.0", "id": "inst-1.3", "source": "urn:baton:orchestrator", "type": "step.completed",
            "subject": "inst-1", "time": "2026-11-27T21:15:51.150Z", "datacontenttype": "application/json",
            "dataschema": "https://baton.dev/schemas/lifecycle-event/v1",
            "data": [
                "workflowId": "order-fulfilment", "workflowVersion": 2, "instanceId": "inst-1", "status": "COMPLETED",
                "stepId": "reserve", "taskId": "inst-1.1", "attempt": 1,
                "output": ["available": true, "reservationId": "r-1"], "durationMs": 268,
            ],
        ])
    }

    @Test func failureEventCarriesTheErrorWithItsStepAttemptAndTime() throws {
        let json = try JSONValue.parse(LifecycleCodec.encode(Self.events[8], topics: TopicNames()).value)
        #expect(json["data"] == [
            "workflowId": "order-fulfilment", "workflowVersion": 2, "instanceId": "inst-1", "status": "FAILED",
            "stepId": "charge", "attempt": 2, "durationMs": 1820,
            "error": [
                "code": "PAYMENT_DECLINED", "message": "the card issuer declined the charge", "retryable": false,
                "details": ["declineCode": "insufficient_funds"], "stepId": "charge", "attempt": 2, "time": "2026-11-27T21:15:52.672Z",
            ],
        ])
    }

    @Test func completedWorkflowWithANullOutputStillCarriesTheOutputField() throws {
        let json = try JSONValue.parse(LifecycleCodec.encode(Self.events[7], topics: TopicNames()).value)
        #expect(json["data"]?["output"] == .some(.null))
    }

    @Test func configuredSourceAndPrefixAreUsed() throws {
        let wire = LifecycleCodec.encode(Self.events[0], topics: TopicNames(prefix: "eu1."), source: "urn:baton:eu-1")
        #expect(wire.topic == "eu1.lifecycle")
        #expect(wire.headers.contains(WireHeader("ce_source", "urn:baton:eu-1")))
        #expect(try JSONValue.parse(wire.value)["source"] == "urn:baton:eu-1")
    }

    @Test func schemaRequiresStepFieldsOnStepEvents() throws {
        // A step event without its step: the if/then rules of the schema catch what the struct allows.
        let broken = [
            Self.event(.stepScheduled, 1, status: "SCHEDULED"),
            Self.event(.stepFailed, 2, status: "FAILED", stepId: "s", attempt: 1, duration: 0),
            Self.event(.workflowCompleted, 3, status: "RUNNING", output: 1, duration: 1),
        ]
        let reports = try Contract.validate(values: broken.map { LifecycleCodec.encode($0, topics: TopicNames()).value }, against: "lifecycle-event")
        #expect(reports.map(\.fields) == [
            ["/data/stepId", "/data/taskId", "/data/attempt"],
            ["/data/error"],
            ["/data/status"],
        ])
    }

    @Test func eventsOfARealRunValidate() throws {
        // The engine's own events, through the example definition: a completed run, a failed
        // task, a shortage that ends in a fail step, and a cancellation.
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("order-fulfilment.yaml")), version: 1)
        let input: JSONValue = ["orderId": "o-1", "sku": "book", "quantity": 2, "amount": 42]
        let completed = EngineRun(definition, input: input, worker: exampleWorker)
        let declined = EngineRun(definition, input: input) { task in
            task.taskType == "payment.charge"
                ? TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed, error: ErrorInfo(code: "PAYMENT_DECLINED", message: "declined", retryable: false, details: ["provider": "examplepay"]))
                : exampleWorker(task)
        }
        let shortage = EngineRun(definition, input: ["orderId": "o-2", "sku": "book", "quantity": 12, "amount": 252], worker: exampleWorker)
        let cancelled = EngineRun(definition, input: input, cancelAfterTasks: 1, worker: exampleWorker)

        #expect(completed.instance.status == .completed)
        #expect(declined.instance.status == .failed)
        #expect(shortage.instance.status == .failed)
        #expect(cancelled.instance.status == .cancelled)

        // Time: an attempt that times out and is retried, then a workflow timeout.
        let engine = Engine()
        let timed = try DefinitionCompiler.compile(text: """
            id: timed
            timeout: 1h
            steps:
              - {id: call, type: task, taskType: slow, timeout: 30s, retry: {maxAttempts: 2, initialInterval: 1s}}
            """, version: 1)
        let t0 = Times.at(0)
        let s = engine.start(StartWorkflow(instanceId: "inst-9", input: [:], origin: "api"), definition: timed, now: t0)
        let late = engine.timerFired("timeout:inst-9.1", instance: s.instance, definition: timed, at: t0.adding(milliseconds: 30_000))
        let retry = engine.timerFired("retry:call:2", instance: late.instance, definition: timed, at: t0.adding(milliseconds: 31_000))
        let over = engine.timerFired("workflow-timeout", instance: retry.instance, definition: timed, at: t0.adding(milliseconds: 3_600_000))
        #expect(over.instance.status == .timedOut)
        // Operators: pause and resume a run, retry the timed-out one.
        let other = engine.start(StartWorkflow(instanceId: "inst-8", input: [:], origin: "api"), definition: timed, now: t0)
        let paused = try engine.pauseRequested(reason: "look", by: "ops", instance: other.instance, definition: timed, at: t0).get()
        let resumed = try engine.resumeRequested(reason: "ok", by: "ops", instance: paused.instance, definition: timed, at: t0).get()
        let retried = try engine.retryRequested(reason: "again", by: "ops", instance: over.instance, definition: timed, at: t0.adding(milliseconds: 3_600_001)).get()
        // A limited workflow: queued, then admitted.
        let queued = engine.start(StartWorkflow(instanceId: "inst-7", input: [:], origin: "api", queued: true), definition: timed, now: t0)
        let admitted = engine.admitted(instance: queued.instance, definition: timed, now: t0.adding(milliseconds: 5))
        let timeLifecycle = [s, late, retry, over, paused, resumed, retried, queued, admitted].flatMap { t in t.effects.compactMap { effect -> LifecycleEvent? in
            if case .emitLifecycle(let e) = effect { return e } else { return nil }
        } }

        let events = completed.lifecycle + declined.lifecycle + shortage.lifecycle + cancelled.lifecycle + timeLifecycle
        #expect(Set(events.map(\.type)) == Set(LifecycleEventType.allCases))
        let lifecycleReports = try Contract.validate(values: events.map { LifecycleCodec.encode($0, topics: TopicNames()).value }, against: "lifecycle-event")
        for report in lifecycleReports { #expect(report.isValid, "\(report)") }

        let requests = completed.dispatches + declined.dispatches + shortage.dispatches + cancelled.dispatches
        #expect(requests.map(\.taskType) == ["inventory.reserve", "payment.charge", "inventory.reserve", "payment.charge", "inventory.reserve", "inventory.reserve"])
        let requestReports = try Contract.validate(values: requests.map { TaskRequestCodec.encode($0, topics: TopicNames()).value }, against: "task-request")
        for report in requestReports { #expect(report.isValid, "\(report)") }
    }
}
