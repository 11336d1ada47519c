import BatonCore
import BatonExpressions
import BatonScheduling
import BatonStore

/// `WorkflowService` for the REST API and the CLI: reads go to the store (and the commit path's
/// cache of committed instances); commands go to the orchestrator, which decides and commits them;
/// readiness comes from the parts that report it.
///
/// Holds the parts it uses and nothing holds it back, so the API can be left out (or put in front
/// of any process) without touching the runtime.
public final class WorkflowAPIService: WorkflowService {
    let orchestrator: Orchestrator
    let readiness: Readiness
    /// Keeps definitions' `schedules:` in the store; nil on a store without schedules.
    let definitionSchedules: DefinitionSchedules?
    var store: any WorkflowStore { orchestrator.store }

    public init(orchestrator: Orchestrator, readiness: Readiness = Readiness()) {
        self.orchestrator = orchestrator
        self.readiness = readiness
        self.definitionSchedules = (orchestrator.store as? any ScheduleStore).map { DefinitionSchedules(store: $0, clock: { orchestrator.now }) }
    }

    public func notReadyReason() async -> String? { readiness.notReadyReason }

    // MARK: Commands (decided and committed by the orchestrator)

    /// Registers the definition, then brings the schedules it lists in step (see
    /// `DefinitionSchedules`). Their documents and ids are checked first, so a definition with a
    /// bad schedule is refused whole, with every problem.
    public func registerDefinition(text: String) async throws(ServiceError) -> DefinitionRecord {
        var schedules: [ScheduleDocument] = []
        if let compiled = try? DefinitionCompiler.compile(text: text) {
            schedules = try DefinitionSchedules.documents(in: compiled.document, definitionId: compiled.id)
            if !schedules.isEmpty {
                guard let definitionSchedules else {
                    throw ServiceError(.invalidDefinition, "this store keeps no schedules", issues: [DefinitionIssue(field: "/schedules", message: "this store keeps no schedules")])
                }
                try await definitionSchedules.checkIds(schedules, definitionId: compiled.id)
            }
        }
        let record = try await orchestrator.registerDefinition(text: text)
        try await definitionSchedules?.sync(schedules, definitionId: record.id)
        return record
    }

    public func startInstance(workflowId: String, version: Int?, input: JSONValue, idempotencyKey: String?, trace: TraceContext?) async throws(ServiceError) -> StartedInstance {
        try await orchestrator.startInstance(workflowId: workflowId, version: version, input: input, idempotencyKey: idempotencyKey, trace: trace)
    }

    public func cancelInstance(id: String, reason: String, by: String) async throws(ServiceError) -> WorkflowInstance {
        try await orchestrator.cancelInstance(id: id, reason: reason, by: by)
    }

    public func operate(_ operation: InstanceOperation, id: String, reason: String, by: String) async throws(ServiceError) -> WorkflowInstance {
        try await orchestrator.operate(operation, id: id, reason: reason, by: by)
    }

    public func signal(instanceId: String, name: String, data: JSONValue, by: String) async throws(ServiceError) -> SignalOutcome {
        try await orchestrator.signal(instanceId: instanceId, name: name, data: data, by: by)
    }

    public func redrive(ids: [Int64], by: String) async throws(ServiceError) -> [DeadLetterRecord] {
        try await orchestrator.redrive(ids: ids, by: by)
    }

    // MARK: Reads

    public func definitions() async throws(ServiceError) -> [DefinitionSummary] {
        try await mapStore { try await store.definitions() }
    }

    public func definition(id: String, version: Int?) async throws(ServiceError) -> DefinitionRecord {
        guard let record = try await mapStore({ try await store.definition(id: id, version: version) }) else {
            throw ServiceError(.notFound, version.map { "definition '\(id)' has no version \($0)" } ?? "no definition '\(id)'")
        }
        return record
    }

    public func definitionVersions(id: String) async throws(ServiceError) -> [DefinitionRecord] {
        let versions = try await mapStore { try await store.definitionVersions(id: id) }
        if versions.isEmpty { throw ServiceError(.notFound, "no definition '\(id)'") }
        return versions
    }

    public func instanceCounts(workflowId: String) async throws(ServiceError) -> [InstanceCount] {
        try await mapStore { try await store.instanceCounts(workflowId: workflowId) }
    }

    public func instance(id: String) async throws(ServiceError) -> WorkflowInstance {
        guard let instance = try await mapStore({ try await orchestrator.commits.committedInstance(id: id) }) else {
            throw ServiceError(.notFound, "no instance '\(id)'")
        }
        return instance
    }

    public func instances(_ query: InstanceQuery) async throws(ServiceError) -> InstancePage {
        guard (1...1000).contains(query.limit) else { throw ServiceError(.invalidInput, "limit must be between 1 and 1000") }
        return try await mapStore { try await store.instances(query) }
    }

    public func history(instanceId: String, afterSequence: Int, limit: Int) async throws(ServiceError) -> [HistoryEvent] {
        _ = try await instance(id: instanceId)
        return try await mapStore { try await store.history(instanceId: instanceId, afterSequence: afterSequence, limit: limit) }
    }

    public func stepExecutions(instanceId: String) async throws(ServiceError) -> [StepExecution] {
        _ = try await instance(id: instanceId)
        return try await mapStore { try await store.stepExecutions(instanceId: instanceId) }
    }

    public func deadLetters(_ query: DeadLetterQuery) async throws(ServiceError) -> [DeadLetterRecord] {
        guard (1...1000).contains(query.limit) else { throw ServiceError(.invalidInput, "limit must be between 1 and 1000") }
        return try await mapStore { try await store.deadLetters(query) }
    }

    public func circuitBreakers() async throws(ServiceError) -> [CircuitBreakerStatus] {
        let held = try await mapStore { try await store.heldCounts() }
        let now = orchestrator.now
        return orchestrator.breakers.records.compactMap { record in
            guard let policy = orchestrator.configuration.breakers.policy(for: record.taskType) else { return nil }
            return CircuitBreakerStatus(
                record: record, policy: policy, failuresInWindow: Int(record.failuresInWindow(at: now, policy).rounded()), held: held[record.taskType] ?? 0
            )
        }
    }

    public func parkedOutbox(afterSequence: Int64, limit: Int) async throws(ServiceError) -> [ParkedOutboxMessage] {
        guard (1...1000).contains(limit) else { throw ServiceError(.invalidInput, "limit must be between 1 and 1000") }
        return try await mapStore { try await store.parkedOutbox(afterSequence: afterSequence, limit: limit) }
    }

    public func deadLetter(id: Int64) async throws(ServiceError) -> DeadLetterRecord {
        guard let record = try await mapStore({ try await store.deadLetter(id: id) }) else {
            throw ServiceError(.notFound, "no dead letter \(id)")
        }
        return record
    }
}
