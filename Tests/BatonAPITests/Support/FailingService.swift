import BatonCore
import BatonExpressions
import BatonRuntime
import BatonStore

/// A service whose every call fails with one `ServiceError`, to check how each code is mapped.
///
/// The real orchestrator cannot be made to fail with, say, `unavailable` on demand, and the
/// mapping is the API's responsibility alone, so a stub is the honest tool here.
struct FailingService: WorkflowService {
    let error: ServiceError

    func registerDefinition(text: String) async throws(ServiceError) -> DefinitionRecord { throw error }
    func definitions() async throws(ServiceError) -> [DefinitionSummary] { throw error }
    func definition(id: String, version: Int?) async throws(ServiceError) -> DefinitionRecord { throw error }
    func definitionVersions(id: String) async throws(ServiceError) -> [DefinitionRecord] { throw error }
    func instanceCounts(workflowId: String) async throws(ServiceError) -> [InstanceCount] { throw error }
    func startInstance(workflowId: String, version: Int?, input: JSONValue, idempotencyKey: String?, trace: TraceContext?) async throws(ServiceError) -> StartedInstance { throw error }
    func instance(id: String) async throws(ServiceError) -> WorkflowInstance { throw error }
    func instances(_ query: InstanceQuery) async throws(ServiceError) -> InstancePage { throw error }
    func history(instanceId: String, afterSequence: Int, limit: Int) async throws(ServiceError) -> [HistoryEvent] { throw error }
    func stepExecutions(instanceId: String) async throws(ServiceError) -> [StepExecution] { throw error }
    func cancelInstance(id: String, reason: String, by: String) async throws(ServiceError) -> WorkflowInstance { throw error }
    func operate(_ operation: InstanceOperation, id: String, reason: String, by: String) async throws(ServiceError) -> WorkflowInstance { throw error }
    func signal(instanceId: String, name: String, data: JSONValue, by: String) async throws(ServiceError) -> SignalOutcome { throw error }
    func deadLetters(_ query: DeadLetterQuery) async throws(ServiceError) -> [DeadLetterRecord] { throw error }
    func deadLetter(id: Int64) async throws(ServiceError) -> DeadLetterRecord { throw error }
    func redrive(ids: [Int64], by: String) async throws(ServiceError) -> [DeadLetterRecord] { throw error }
    func parkedOutbox(afterSequence: Int64, limit: Int) async throws(ServiceError) -> [ParkedOutboxMessage] { throw error }
    func notReadyReason() async -> String? { nil }
}
