import BatonCore
import BatonExpressions
import BatonMessages
import BatonStore

/// What one batch did, for the consumer loop's logs and the tests.
public struct BatchReport: Sendable, Hashable {
    public var applied = 0
    public var ignored = 0
    public var deadLettered = 0
    public var started = 0

    public init() {}
}

extension Orchestrator {
    /// Processes consumed messages as one transaction and waits for its commit. On a thrown error
    /// nothing was committed and the same messages can be processed again. Bad messages never
    /// throw: they go to the dead-letter topic.
    public func process(_ messages: [InboundMessage]) async throws(StoreError) -> BatchReport {
        let ticket = try await submit(messages)
        try await ticket.wait()
        return ticket.report
    }

    /// Decides a batch and queues its transaction behind the earlier ones, returning as soon as the
    /// decision is made so the caller can decide the next batch while this one is written (see
    /// `CommitPipeline`). `afterCommit` runs once the batch is durable (the consumer commits the
    /// Kafka offsets there), before any later batch commits. With `requires`, this batch commits
    /// only if that earlier one did (a consumer's offsets must never pass an uncommitted batch).
    ///
    /// - Throws: a store error from reading state while deciding; nothing is queued then.
    public func submit(_ messages: [InboundMessage], requires: CommitTicket? = nil, afterCommit: @escaping @Sendable () async -> Void = {}) async throws(StoreError) -> CommitTicket {
        await writeLock.lock()
        defer { writeLock.unlock() }
        let start = ContinuousClock.now
        if let latencyProbe {
            for message in messages where message.topic == configuration.topics.taskResults {
                if let receivedAt = message.receivedAt { latencyProbe.stage("1 polled → decision starts (per result)", start - receivedAt) }
            }
        }
        let generation = pipeline.generation
        var work = BatchWork()
        var report = BatchReport()
        var counts = RuntimeCounters()
        let topics = configuration.topics
        // Decode the batch's trigger events once, and look up all their dedupe marks in one store
        // round trip instead of one per event.
        var events: [Int: Result<CloudEvent, MessageError>] = [:]
        for (index, message) in messages.enumerated() where message.topic == topics.triggers {
            events[index] = Result { () throws(MessageError) in
                try CloudEventCodec.decode(value: message.value, headers: message.headers, maxBytes: configuration.budget.maxInputBytes)
            }
        }
        let keys = events.compactMap { index, decoded in (try? decoded.get()).map { Self.triggerDedupeKey($0, headers: messages[index].headers) } }
        var seen: Set<String> = []
        if !keys.isEmpty {
            // The overlay first: a mark it no longer holds was committed before the store is read
            // (the other order could miss a mark committed between the two looks).
            seen = Set(keys.filter { pipeline.dedupeValue($0) != nil })
            let unseen = keys.filter { !seen.contains($0) }
            if !unseen.isEmpty { seen.formUnion(try await store.dedupeValues(for: unseen).keys) }
        }
        for (index, message) in messages.enumerated() {
            if let lost = message.lostOffsets {
                try await recordLostInput(message, lost, into: &work, report: &report, counts: &counts)
            } else if message.topic == topics.taskResults {
                try await processResult(message, into: &work, report: &report, counts: &counts)
            } else if let decoded = events[index] {
                try await processTrigger(message, decoded, seen: seen, into: &work, report: &report, counts: &counts)
            } else {
                deadLetter(message, MessageError(.schemaViolation, "Baton does not consume topic '\(message.topic)'"), into: &work, report: &report, counts: &counts)
            }
        }
        counts.messagesProcessed = messages.count
        try await settleCascade(&work)
        let task = enqueueCommit(work, decidedIn: generation, counts: counts, requires: requires, afterCommit: afterCommit)
        let decided = ContinuousClock.now - start
        statistics.update { $0.decideSeconds += decided.seconds }
        latencyProbe?.stage("2 decision (per batch)", decided)
        return CommitTicket(report: report, task: task)
    }

    private func processResult(_ message: InboundMessage, into work: inout BatchWork, report: inout BatchReport, counts: inout RuntimeCounters) async throws(StoreError) {
        var result: TaskResult
        do {
            result = try TaskResultCodec.decode(message.value, maxBytes: configuration.budget.maxInputBytes)
            if !message.headers.isEmpty { result.traceparent = TraceHeaders.traceparent(in: message.headers) }
        } catch {
            deadLetter(message, error, into: &work, report: &report, counts: &counts)
            return
        }
        guard let instance = try await loadInstance(result.instanceId, into: &work) else {
            deadLetter(message, MessageError(.unknownInstance, "no instance '\(result.instanceId)'", pointer: "/instanceId"), into: &work, report: &report, counts: &counts)
            return
        }
        guard let definition = try await catalog.resolve(id: instance.workflowId, version: instance.workflowVersion, store: store) else {
            deadLetter(message, MessageError(.unknownWorkflow, "instance '\(instance.id)' runs \(instance.workflowId) v\(instance.workflowVersion), which is not in the store"), into: &work, report: &report, counts: &counts)
            return
        }
        let transition = engine.taskResultReceived(result, instance: instance, definition: definition, at: clock())
        if transition.rejection == .conflictingResult {
            // The same attempt reported twice with different outcomes: the first applied wins, and
            // the other is kept for an operator rather than silently dropped.
            record(transition, previous: instance, definition: definition, into: &work)
            let applied = instance.conflict(with: result) ?? "was applied already"
            let pointer = result.status == .completed && instance.appliedStep(of: result)?.status == .completed ? "/output" : "/status"
            let conflict = MessageError(.conflict, "task '\(result.taskId)' \(applied); this result says \(result.status.rawValue) — the first result applied wins", pointer: pointer)
            deadLetter(message, conflict, into: &work, report: &report, counts: &counts)
            counts.inputsIgnored[Rejection.conflictingResult.rawValue, default: 0] += 1
            return
        }
        record(transition, previous: instance, definition: definition, into: &work)
        if let latencyProbe, let since = message.receivedAt, transition.rejection == nil {
            for case .dispatchTask in transition.effects { latencyProbe.expect(instanceId: instance.id, since: since) }
        }
        if let rejection = transition.rejection {
            report.ignored += 1
            counts.inputsIgnored[rejection.rawValue, default: 0] += 1
        } else {
            report.applied += 1
            counts.resultsApplied += 1
        }
    }

    /// A trigger starts its workflows once, however often it is delivered: CloudEvents `source` +
    /// `id`, and the one workflow a redriven copy is meant for (see `onlyWorkflowHeader`).
    static func triggerDedupeKey(_ event: CloudEvent, headers: [WireHeader] = []) -> String {
        let base = "trigger:\(event.source)\u{1F}\(event.id)"
        guard let only = onlyWorkflow(headers) else { return base }
        return base + "\u{1F}" + only
    }

    /// On the dead letter of an event whose trigger failed for one definition (its filter or input
    /// mapping): the others started, so a redrive of that copy must start this definition only,
    /// and is deduplicated on its own.
    public static let onlyWorkflowHeader = "baton-trigger-workflow"

    static func onlyWorkflow(_ headers: [WireHeader]) -> String? {
        headers.first { $0.key == onlyWorkflowHeader }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// The CloudEvents extension attribute that pins the definition version a trigger starts
    /// (default: the latest).
    public static let versionExtension = "batonworkflowversion"

    private func processTrigger(
        _ message: InboundMessage, _ decoded: Result<CloudEvent, MessageError>, seen: Set<String>,
        into work: inout BatchWork, report: inout BatchReport, counts: inout RuntimeCounters
    ) async throws(StoreError) {
        let event: CloudEvent
        switch decoded {
        case .success(let e): event = e
        case .failure(let error):
            deadLetter(message, error, into: &work, report: &report, counts: &counts)
            return
        }
        let dedupeKey = Self.triggerDedupeKey(event, headers: message.headers)
        if work.dedupe[dedupeKey] != nil || seen.contains(dedupeKey) {
            counts.triggersDeduplicated += 1
            report.ignored += 1
            return
        }
        let only = Self.onlyWorkflow(message.headers)
        // Waiting steps first (a redrive for one definition's trigger is not an event for them).
        var awaited = false
        if only == nil {
            let outcome = try await deliverEvent(event, into: &work)
            awaited = outcome.awaited
            counts.eventsDelivered += outcome.delivered
            if outcome.awaited, outcome.delivered == 0 { counts.eventsKept += 1 }
        }
        let definitions = catalog.triggered(by: event.type).filter { only == nil || $0.id == only }
        if definitions.isEmpty, awaited {
            work.dedupe[dedupeKey] = ""
            report.applied += 1
            return
        }
        guard !definitions.isEmpty else {
            let what = only.map { "workflow '\($0)' has no trigger" } ?? "no workflow definition has a trigger"
            deadLetter(message, MessageError(.noTrigger, "\(what) for event type '\(event.type)'", pointer: "/type"), into: &work, report: &report, counts: &counts)
            return
        }
        var pinned: Int?
        if let value = event.extensions[Self.versionExtension] {
            guard let version = value.intValue ?? value.stringValue.flatMap({ Int($0) }), version >= 1 else {
                deadLetter(message, MessageError(.schemaViolation, "'\(Self.versionExtension)' must be a definition version number (1, 2, …), found \(value.serialized())", pointer: "/\(Self.versionExtension)"), into: &work, report: &report, counts: &counts)
                return
            }
            pinned = version
        }
        let document = event.json
        var starts: [(WorkflowDefinition, JSONValue)] = []
        for latest in definitions {
            // The latest version's triggers decide whether the event starts the workflow; a pinned
            // version is the one that runs.
            var definition = latest
            if let pinned, pinned != latest.version {
                guard let version = try await catalog.resolve(id: latest.id, version: pinned, store: store) else {
                    var copy = message
                    copy.headers = message.headers.filter { $0.key != Self.onlyWorkflowHeader } + [WireHeader(Self.onlyWorkflowHeader, latest.id)]
                    deadLetter(copy, MessageError(.unknownWorkflow, "the event pins version \(pinned) of '\(latest.id)', which has no such version (latest: \(latest.version))", pointer: "/\(Self.versionExtension)"), into: &work, report: &report, counts: &counts)
                    continue
                }
                definition = version
            }
            for trigger in latest.triggers where trigger.eventType == event.type {
                do {
                    if let filter = trigger.filter, try !filter.evaluateCondition(in: document) { continue }
                    let input = try trigger.input?.render(in: document) ?? (event.data ?? .null)
                    if let schema = definition.inputSchema {
                        let errors = schema.validate(input)
                        if !errors.isEmpty {
                            // Refused for this definition only; its redrive (after a fix) starts only it.
                            var copy = message
                            copy.headers = message.headers.filter { $0.key != Self.onlyWorkflowHeader } + [WireHeader(Self.onlyWorkflowHeader, definition.id)]
                            let failure = MessageError(
                                .invalidInput, "the input for '\(definition.id)' v\(definition.version) does not match its inputSchema: \(ValueSchema.summary(errors))",
                                pointer: errors.first?.instancePath
                            )
                            deadLetter(copy, failure, into: &work, report: &report, counts: &counts)
                            break
                        }
                    }
                    starts.append((definition, input))
                } catch {
                    // This definition's trigger is broken for this event; the others still start.
                    // The dead letter names the definition, and its redrive starts only that one.
                    var copy = message
                    copy.headers = message.headers.filter { $0.key != Self.onlyWorkflowHeader } + [WireHeader(Self.onlyWorkflowHeader, definition.id)]
                    let failure = MessageError(.mappingFailed, "trigger of '\(definition.id)' v\(definition.version) failed on this event: \(error.message)")
                    deadLetter(copy, failure, into: &work, report: &report, counts: &counts)
                }
                break  // one instance per definition per event
            }
        }
        var ids: [String] = []
        let now = clock()
        let origin = "trigger:\(event.source)/\(event.id)"
        let trace = TraceHeaders.context(headers: message.headers, event: event)
        for (definition, input) in starts {
            var businessKey: String?
            if let key = definition.key {
                do {
                    businessKey = try key.value(for: input)
                } catch {
                    var copy = message
                    copy.headers = message.headers.filter { $0.key != Self.onlyWorkflowHeader } + [WireHeader(Self.onlyWorkflowHeader, definition.id)]
                    deadLetter(copy, MessageError(.invalidInput, "no business key for '\(definition.id)' v\(definition.version): \(error.message)"), into: &work, report: &report, counts: &counts)
                    continue
                }
            }
            if let businessKey, let running = try await runningInstance(workflowId: definition.id, businessKey: businessKey, work: &work) {
                // Recorded on the instance that holds the key, and not started again.
                record(engine.duplicateStart(origin: origin, instance: running, at: now), previous: running, definition: nil, into: &work)
                ids.append(running.id)
                report.ignored += 1
                counts.startsIgnoredByBusinessKey += 1
                continue
            }
            let id = makeId()
            let queued = startsQueued(definition)
            if queued { queueEstimate.add(1) }
            let transition = engine.start(StartWorkflow(instanceId: id, input: input, origin: origin, businessKey: businessKey, trace: trace, queued: queued), definition: definition, now: now)
            record(transition, previous: nil, definition: definition, into: &work)
            ids.append(id)
            report.started += 1
            counts.instancesStarted += 1
        }
        // Filtered-out events are marked too, so a redelivery does not re-evaluate them against newer definitions.
        work.dedupe[dedupeKey] = ids.joined(separator: ",")
    }

    /// Retention deleted offsets `lost` of a partition before Baton read them: recorded once (a
    /// restart before the offsets move on finds the same gap again) as a `LOST_TO_RETENTION` dead
    /// letter whose value says which, so an operator can replay them from their source.
    private func recordLostInput(
        _ marker: InboundMessage, _ lost: Range<Int64>, into work: inout BatchWork, report: inout BatchReport, counts: inout RuntimeCounters
    ) async throws(StoreError) {
        let key = "lost:\(marker.topic)\u{1F}\(marker.partition)\u{1F}\(lost.lowerBound)"
        if work.dedupe[key] != nil || pipeline.dedupeValue(key) != nil { return }
        if try await !store.dedupeValues(for: [key]).isEmpty { return }
        work.dedupe[key] = String(lost.upperBound)
        var record = marker
        record.offset = lost.lowerBound
        record.value = JSONValue.object([
            "topic": .string(marker.topic), "partition": .number(Double(marker.partition)),
            "firstLostOffset": .number(Double(lost.lowerBound)), "lastLostOffset": .number(Double(lost.upperBound - 1)),
            "count": .number(Double(lost.count)),
        ]).serializedBytes()
        let error = MessageError(
            .lostToRetention,
            "offsets \(lost.lowerBound)–\(lost.upperBound - 1) of \(marker.topic)/\(marker.partition) (\(lost.count) messages) were deleted by retention before Baton read them; replay them from their source"
        )
        deadLetter(record, error, into: &work, report: &report, counts: &counts)
    }

    func deadLetter(_ message: InboundMessage, _ error: MessageError, into work: inout BatchWork, report: inout BatchReport, counts: inout RuntimeCounters) {
        let wire = DeadLetterCodec.encode(
            error: error, topic: message.topic, partition: message.partition, offset: message.offset, key: message.key,
            value: message.value, headers: message.headers, at: clock(), topics: configuration.topics,
            maxRecordBytes: configuration.budget.maxRecordBytes
        )
        work.outbox.append(OutboxMessage(wire))
        work.deadLetters.append(DeadLetterRecord(
            sourceTopic: message.topic, sourcePartition: message.partition, sourceOffset: message.offset, key: message.key,
            value: message.value, headers: message.headers.filter { !$0.key.hasPrefix("baton-dlq-") }.map { OutboxHeader(key: $0.key, value: $0.value) },
            reason: error.reason.rawValue, message: error.message, pointer: error.pointer, createdAt: clock()
        ))
        report.deadLettered += 1
        counts.deadLettered[error.reason.rawValue, default: 0] += 1
    }
}
