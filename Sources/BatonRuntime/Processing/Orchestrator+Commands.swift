import BatonCore
import BatonExpressions
import BatonStore

/// Operators' commands: each decided under the write lock and committed before it returns, so
/// the answer reflects what is durable. `WorkflowAPIService` validates and forwards to these.
extension Orchestrator {
    /// A write while the store's circuit is open is answered at once (503 with `Retry-After`)
    /// instead of waiting for the store's own timeout.
    func refuseWhileTheStoreFails() throws(ServiceError) {
        if let reason = commits.storeBreaker.refusal() { throw ServiceError(.unavailable, reason) }
    }

    public func registerDefinition(text: String) async throws(ServiceError) -> DefinitionRecord {
        try refuseWhileTheStoreFails()
        let compiled: WorkflowDefinition
        do {
            compiled = try DefinitionCompiler.compile(text: text)
        } catch {
            throw ServiceError(.invalidDefinition, "the definition has \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s")", issues: error.issues)
        }
        let taskTopics = compiled.taskTypes.sorted().map(configuration.topics.tasks)
        do {
            try await provisionTopics(taskTopics)
        } catch {
            throw ServiceError(.unavailable, "could not create the task topics \(taskTopics.joined(separator: ", ")): \(error)")
        }
        return try await mapStore {
            await writeLock.lock()
            defer { writeLock.unlock() }
            let now = clock()
            let version = try await store.registerDefinition(id: compiled.id, document: compiled.document, at: now)
            var registered = compiled
            registered.version = version
            catalog.insert(registered, isLatest: true)
            return DefinitionRecord(id: compiled.id, version: version, document: compiled.document, createdAt: now)
        }
    }

    public func startInstance(workflowId: String, version: Int?, input: JSONValue, idempotencyKey: String?, trace: TraceContext? = nil) async throws(ServiceError) -> StartedInstance {
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > 255 {
            throw ServiceError(.invalidInput, "Idempotency-Key must be 1–255 bytes")
        }
        return try await decidingAgainWhenStale("start an instance of '\(workflowId)'") { () throws(ServiceError) in
            try await startInstanceOnce(workflowId: workflowId, version: version, input: input, idempotencyKey: idempotencyKey, trace: trace)
        }
    }

    private func startInstanceOnce(workflowId: String, version: Int?, input: JSONValue, idempotencyKey: String?, trace: TraceContext?) async throws(ServiceError) -> StartedInstance {
        await writeLock.lock()
        defer { writeLock.unlock() }
        let generation = pipeline.generation
        let dedupeKey = idempotencyKey.map { "idempotency:\(workflowId)\u{1F}\($0)" }
        if let dedupeKey, let existing = try await mapStore({ () async throws -> String? in
            if let pending = pipeline.dedupeValue(dedupeKey) { return pending }
            return try await store.dedupeValues(for: [dedupeKey])[dedupeKey]
        }) {
            var scratch = BatchWork()
            guard let instance = try await mapStore({ try await loadInstance(existing, into: &scratch) }) else {
                throw ServiceError(.internal, "idempotency key refers to missing instance '\(existing)'")
            }
            return StartedInstance(instance: instance, created: false)
        }
        guard let definition = try await mapStore({ try await catalog.resolve(id: workflowId, version: version, store: store) }) else {
            throw ServiceError(.notFound, version.map { "definition '\(workflowId)' has no version \($0)" } ?? "no definition '\(workflowId)'")
        }
        if let schema = definition.inputSchema {
            let errors = schema.validate(input)
            if !errors.isEmpty {
                throw ServiceError(
                    .inputSchemaViolation, "the input does not match the inputSchema of '\(workflowId)' v\(definition.version): \(ValueSchema.summary(errors))",
                    violations: errors.map { InputViolation(pointer: $0.instancePath, message: $0.message) }
                )
            }
        }
        var businessKey: String?
        if let key = definition.key {
            do {
                businessKey = try key.value(for: input)
            } catch {
                throw ServiceError(.inputSchemaViolation, error.message, violations: [InputViolation(pointer: "", message: error.message)])
            }
        }
        var work = BatchWork()
        if let businessKey, let running = try await mapStore({ try await runningInstance(workflowId: workflowId, businessKey: businessKey, work: &work) }) {
            // The same business key while one runs: that one is the answer (200, not a twin).
            if let dedupeKey {
                work.dedupe[dedupeKey] = running.id
                try await mapStore { try await commitNow(work, decidedIn: generation) }
            }
            return StartedInstance(instance: running, created: false)
        }
        try checkQueueRoom(for: definition)
        let queued = startsQueued(definition)
        let transition = engine.start(
            StartWorkflow(instanceId: makeId(), input: input, origin: "api", businessKey: businessKey, trace: trace, queued: queued), definition: definition, now: clock()
        )
        record(transition, previous: nil, definition: definition, into: &work)
        if let dedupeKey { work.dedupe[dedupeKey] = transition.instance.id }
        try await mapStore { try await settleCascade(&work) }
        try await mapStore { try await commitNow(work, decidedIn: generation) }
        if queued { queueEstimate.add(1) }
        statistics.update { $0.instancesStarted += 1 }
        return StartedInstance(instance: work.instances[transition.instance.id] ?? transition.instance, created: true)
    }

    public func cancelInstance(id: String, reason: String, by: String) async throws(ServiceError) -> WorkflowInstance {
        try await operateOnInstance(id) { instance, definition, now throws(ServiceError) in
            guard !instance.status.isTerminal else {
                throw ServiceError(.conflict, "instance '\(id)' is already \(instance.status.rawValue)")
            }
            return engine.cancelRequested(reason: reason, by: by, instance: instance, definition: definition, at: now)
        }
    }

    public func signal(instanceId id: String, name: String, data: JSONValue, by: String) async throws(ServiceError) -> SignalOutcome {
        guard !name.isEmpty, name.utf8.count <= 255 else { throw ServiceError(.invalidInput, "a signal name must be 1–255 bytes") }
        var received: HistoryEvent?
        let instance = try await operateOnInstance(id) { instance, definition, now throws(ServiceError) in
            let transition = engine.eventReceived(EventDelivery(waitId: nil, name: name, data: data, origin: "signal:\(by)"), instance: instance, definition: definition, at: now)
            switch transition.rejection {
            case nil: break
            case .instanceFinished?: throw ServiceError(.conflict, "instance '\(id)' is \(instance.status.rawValue): it takes no more signals")
            case .signalBufferFull?: throw ServiceError(.conflict, "instance '\(id)' already keeps \(Engine.maxBufferedSignals) signals no step waits for; it takes no more until a step takes some or they expire")
            case let other?: throw ServiceError(.conflict, "signal '\(name)' was not applied: \(other.rawValue)")
            }
            received = transition.history.first { $0.type == .eventReceived }
            return transition
        }
        return SignalOutcome(instance: instance, stepId: received?.stepId, executionId: received.map { $0.executionId ?? Execution.rootId })
    }

    public func operate(_ operation: InstanceOperation, id: String, reason: String, by: String) async throws(ServiceError) -> WorkflowInstance {
        try await operateOnInstance(id) { instance, definition, now throws(ServiceError) in
            let outcome: Result<Transition, Engine.OperationRefusal>
            switch operation {
            case .pause: outcome = engine.pauseRequested(reason: reason, by: by, instance: instance, definition: definition, at: now)
            case .resume: outcome = engine.resumeRequested(reason: reason, by: by, instance: instance, definition: definition, at: now)
            case .retry: outcome = engine.retryRequested(reason: reason, by: by, instance: instance, definition: definition, at: now)
            case .rerun(let step, let input):
                outcome = engine.rerunRequested(from: step, input: input, reason: reason, by: by, instance: instance, definition: definition, at: now)
            }
            switch outcome {
            case .success(let transition): return transition
            case .failure(.unknownStep(let step)):
                // A well-formed request that this instance cannot honour: its state, not the
                // request's shape, decides (409, like any operation that does not apply).
                throw ServiceError(.conflict, "cannot \(operation.name) instance '\(id)': its definition version (\(instance.workflowId) v\(instance.workflowVersion)) has no step '\(step)'")
            case .failure(let refusal):
                throw ServiceError(.conflict, "cannot \(operation.name) instance '\(id)': \(refusal.message)")
            }
        }
    }

    /// An operator's command on one instance: under the write lock, load the instance and its
    /// definition version, let `decide` ask the engine (or refuse), and commit the transition
    /// before returning, so the caller's response reflects what is durable.
    private func operateOnInstance(
        _ id: String,
        decide: (WorkflowInstance, WorkflowDefinition, Timestamp) throws(ServiceError) -> Transition
    ) async throws(ServiceError) -> WorkflowInstance {
        try await decidingAgainWhenStale("change instance '\(id)'") { () throws(ServiceError) in
            try await operateOnInstanceOnce(id, decide: decide)
        }
    }

    /// Runs a command's decide-and-commit again while the store refuses it as stale (another
    /// process committed one of its instances after it was read; the refused commit dropped them
    /// from the cache, so the next round reads them afresh). Bounded: an instance that changes
    /// under every attempt is answered as unavailable for now, not retried forever.
    private func decidingAgainWhenStale<T>(_ what: String, _ body: () async throws(ServiceError) -> T) async throws(ServiceError) -> T {
        try refuseWhileTheStoreFails()
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch where error.code == .staleDecision {
                statistics.update { $0.commandsDecidedAgain += 1 }
                guard attempt < Self.maxCommandDecisions else {
                    throw ServiceError(.unavailable, "could not \(what): other writers changed it under each of \(attempt) attempts (\(error.message)); try again")
                }
                attempt += 1
            }
        }
    }

    /// Attempts per command before a stale refusal is answered as unavailable.
    static let maxCommandDecisions = 8

    private func operateOnInstanceOnce(
        _ id: String,
        decide: (WorkflowInstance, WorkflowDefinition, Timestamp) throws(ServiceError) -> Transition
    ) async throws(ServiceError) -> WorkflowInstance {
        await writeLock.lock()
        defer { writeLock.unlock() }
        let generation = pipeline.generation
        var work = BatchWork()
        guard let instance = try await mapStore({ try await loadInstance(id, into: &work) }) else {
            throw ServiceError(.notFound, "no instance '\(id)'")
        }
        guard let definition = try await mapStore({ try await catalog.resolve(id: instance.workflowId, version: instance.workflowVersion, store: store) }) else {
            throw ServiceError(.internal, "definition \(instance.workflowId) v\(instance.workflowVersion) is missing")
        }
        let transition = try decide(instance, definition, clock())
        record(transition, previous: instance, definition: definition, into: &work)
        try await mapStore { try await settleCascade(&work) }
        try await mapStore { try await commitNow(work, decidedIn: generation) }
        if let settled = work.instances[instance.id] { return settled }
        return transition.instance
    }
}
