import BatonCore
import BatonExpressions
import BatonStore

/// A transition's request to another instance of the same batch.
enum CascadeInput {
    case start(ChildStart)
    case cancel(ChildCancellation)
    case report(ChildOutcome)
    /// A wait was set: an event kept for it may complete it at once.
    case matchKept(instanceId: String, wait: EventWait)
}

extension Orchestrator {
    /// Applies what the batch's transitions asked of other instances — children to create or
    /// cancel, parents to tell, kept events to hand to new waits — and what those in turn ask, until nothing is left. All of it
    /// commits with the batch, so a parent never waits for a child that was not created, and a
    /// child never ends without its parent hearing of it.
    ///
    /// Bounded: each start nests one level deeper (the engine's `maxSubworkflowDepth`), and each
    /// cancel or report ends an instance or moves a step once.
    func settleCascade(_ work: inout BatchWork) async throws(StoreError) {
        var index = 0
        while index < work.cascade.count {
            let input = work.cascade[index]
            index += 1
            switch input {
            case .start(let start): try await startChild(start, into: &work)
            case .cancel(let cancellation): try await cancelChild(cancellation, into: &work)
            case .report(let outcome): try await reportToParent(outcome, into: &work)
            case .matchKept(let instanceId, let wait): try await deliverKeptEvent(to: instanceId, wait, into: &work)
            }
        }
        work.cascade = []
    }

    private func startChild(_ start: ChildStart, into work: inout BatchWork) async throws(StoreError) {
        let now = clock()
        guard let definition = try await catalog.resolve(id: start.workflowId, version: start.version, store: store) else {
            let what = start.version.map { "definition '\(start.workflowId)' has no version \($0)" } ?? "there is no definition '\(start.workflowId)'"
            let error = ErrorInfo(code: BatonErrorCode.subworkflowUnavailable, message: "\(what) to start as a subworkflow", time: now)
            try await reportToParent(ChildOutcome(childId: start.childId, childWorkflowId: start.workflowId, parent: start.parent, status: .failed, error: error), into: &work)
            return
        }
        if let schema = definition.inputSchema {
            let errors = schema.validate(start.input)
            if !errors.isEmpty {
                let error = ErrorInfo(
                    code: BatonErrorCode.invalidInput,
                    message: "the input for '\(definition.id)' v\(definition.version) does not match its inputSchema: \(ValueSchema.summary(errors))",
                    details: ["errors": .array(errors.prefix(20).map { ["pointer": .string($0.instancePath), "message": .string($0.message)] })], time: now
                )
                try await reportToParent(ChildOutcome(childId: start.childId, childWorkflowId: start.workflowId, parent: start.parent, status: .failed, error: error), into: &work)
                return
            }
        }
        var businessKey: String?
        if let key = definition.key {
            var failure: ErrorInfo?
            do throws(BusinessKey.Failure) {
                businessKey = try key.value(for: start.input)
            } catch {
                failure = ErrorInfo(code: BatonErrorCode.invalidInput, message: "no business key for '\(definition.id)' v\(definition.version): \(error.message)", time: now)
            }
            if let businessKey, let running = try await runningInstance(workflowId: definition.id, businessKey: businessKey, work: &work) {
                failure = ErrorInfo(
                    code: BatonErrorCode.duplicateBusinessKey, message: "instance \(running.id) of '\(definition.id)' runs with business key '\(businessKey)' already",
                    details: ["runningInstanceId": .string(running.id)], time: now
                )
            }
            if let failure {
                try await reportToParent(ChildOutcome(childId: start.childId, childWorkflowId: start.workflowId, parent: start.parent, status: .failed, error: failure), into: &work)
                return
            }
        }
        if let existing = try await loadInstance(start.childId, into: &work) {
            // Child ids are derived from the parent's id and sequence, so this is an instance some
            // other way of starting created with the same id: the step cannot use it.
            guard existing.parent?.instanceId == start.parent.instanceId else {
                let error = ErrorInfo(code: BatonErrorCode.subworkflowUnavailable, message: "an instance '\(start.childId)' exists already and is not this step's child", time: now)
                try await reportToParent(ChildOutcome(childId: start.childId, childWorkflowId: start.workflowId, parent: start.parent, status: .failed, error: error), into: &work)
                return
            }
            return
        }
        // One trace for the whole tree: the child's parent span is its parent workflow's.
        let parentTrace = work.instances[start.parent.instanceId]?.effectiveTrace ?? .begun(for: start.parent.instanceId)
        let request = StartWorkflow(
            instanceId: start.childId, input: start.input, origin: "subworkflow:\(start.parent.instanceId)/\(start.parent.stepId)", parent: start.parent,
            businessKey: businessKey, trace: parentTrace.child(of: TraceContext.workflowSpan(start.parent.instanceId)),
            queued: startsQueued(definition)
        )
        if request.queued { queueEstimate.add(1) }
        let transition = engine.start(request, definition: definition, now: now)
        record(transition, previous: nil, definition: definition, into: &work)
        work.childrenStarted += 1
    }

    private func cancelChild(_ cancellation: ChildCancellation, into work: inout BatchWork) async throws(StoreError) {
        guard let child = try await loadInstance(cancellation.childId, into: &work), !child.status.isTerminal else { return }
        guard let definition = try await catalog.resolve(id: child.workflowId, version: child.workflowVersion, store: store) else {
            record(engine.definitionUnavailable("the child's definition \(child.workflowId) v\(child.workflowVersion) is not in the store", instance: child, at: clock()), previous: child, definition: nil, into: &work)
            return
        }
        record(engine.parentCancelled(cancellation, instance: child, definition: definition, at: clock()), previous: child, definition: definition, into: &work)
    }

    private func reportToParent(_ outcome: ChildOutcome, into work: inout BatchWork) async throws(StoreError) {
        guard let parent = try await loadInstance(outcome.parent.instanceId, into: &work) else { return }
        guard let definition = try await catalog.resolve(id: parent.workflowId, version: parent.workflowVersion, store: store) else {
            guard !parent.status.isTerminal else { return }
            record(engine.definitionUnavailable("the definition \(parent.workflowId) v\(parent.workflowVersion) is not in the store", instance: parent, at: clock()), previous: parent, definition: nil, into: &work)
            return
        }
        record(engine.childEnded(outcome, instance: parent, definition: definition, at: clock()), previous: parent, definition: definition, into: &work)
    }
}
