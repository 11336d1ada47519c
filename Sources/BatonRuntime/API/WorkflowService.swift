import BatonCore
import BatonExpressions
import BatonStore

/// What the REST API and the CLI can ask of Baton. `WorkflowAPIService` is the implementation; the API
/// module depends on this protocol only, so its tests can drive the real router over a real store.
public protocol WorkflowService: Sendable {
    /// Validates and stores a new version of a definition (JSON or YAML text).
    /// Throws `ServiceError` with code `.invalidDefinition` carrying every issue.
    func registerDefinition(text: String) async throws(ServiceError) -> DefinitionRecord
    func definitions() async throws(ServiceError) -> [DefinitionSummary]
    /// Latest version when `version` is nil. Throws `.notFound`.
    func definition(id: String, version: Int?) async throws(ServiceError) -> DefinitionRecord
    func definitionVersions(id: String) async throws(ServiceError) -> [DefinitionRecord]
    /// Instances per version and status, for the versions listing.
    func instanceCounts(workflowId: String) async throws(ServiceError) -> [InstanceCount]

    /// Starts an instance of the latest (or the given) version. With an idempotency key, a retry of
    /// the same request returns the instance the first call created (`created == false`). `trace`
    /// is the caller's W3C trace context (the request's `traceparent`), nil to begin a trace.
    func startInstance(workflowId: String, version: Int?, input: JSONValue, idempotencyKey: String?, trace: TraceContext?) async throws(ServiceError) -> StartedInstance
    func instance(id: String) async throws(ServiceError) -> WorkflowInstance
    func instances(_ query: InstanceQuery) async throws(ServiceError) -> InstancePage
    func history(instanceId: String, afterSequence: Int, limit: Int) async throws(ServiceError) -> [HistoryEvent]
    func stepExecutions(instanceId: String) async throws(ServiceError) -> [StepExecution]
    /// Cancels a running instance; cancelling a finished one is `.conflict`.
    func cancelInstance(id: String, reason: String, by: String) async throws(ServiceError) -> WorkflowInstance
    /// What operators do to an instance (each recorded in its history with `by` and `reason`); an
    /// operation that does not apply to the instance's status is `.conflict`.
    func operate(_ operation: InstanceOperation, id: String, reason: String, by: String) async throws(ServiceError) -> WorkflowInstance
    /// Sends signal `name` with `data` to the instance: the first step waiting for it completes,
    /// or, when none waits yet, the instance keeps it for the event window.
    func signal(instanceId: String, name: String, data: JSONValue, by: String) async throws(ServiceError) -> SignalOutcome

    /// Inputs Baton could not process, oldest first.
    func deadLetters(_ query: DeadLetterQuery) async throws(ServiceError) -> [DeadLetterRecord]
    func deadLetter(id: Int64) async throws(ServiceError) -> DeadLetterRecord
    /// Re-injects dead letters into their source topics (through the outbox, so exactly the
    /// committed ones are published) and marks them redriven; returns them as they are now.
    func redrive(ids: [Int64], by: String) async throws(ServiceError) -> [DeadLetterRecord]

    /// Outbox messages that can never be published, oldest first (`limit` 1...1000).
    func parkedOutbox(afterSequence: Int64, limit: Int) async throws(ServiceError) -> [ParkedOutboxMessage]

    /// Every task type's circuit breaker (types that never had an outcome under a breaker are
    /// absent), as this process last read them.
    func circuitBreakers() async throws(ServiceError) -> [CircuitBreakerStatus]

    /// For `/readyz`: nil when ready, otherwise why not.
    func notReadyReason() async -> String?
}

/// What a signal did.
public struct SignalOutcome: Sendable, Hashable {
    public var instance: WorkflowInstance
    /// The waiting step it completed; nil when it was kept for a step to come.
    public var stepId: String?
    public var executionId: String?

    public init(instance: WorkflowInstance, stepId: String?, executionId: String?) {
        self.instance = instance
        self.stepId = stepId
        self.executionId = executionId
    }
}

public struct StartedInstance: Sendable, Hashable {
    public var instance: WorkflowInstance
    /// False when an idempotency key matched an earlier request.
    public var created: Bool

    public init(instance: WorkflowInstance, created: Bool) {
        self.instance = instance
        self.created = created
    }
}

/// Why a service call failed, in terms an API can map to a status code without knowing the layers below.
public struct ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let notFound = Code(rawValue: "not-found")
        public static let invalidDefinition = Code(rawValue: "invalid-definition")
        public static let invalidInput = Code(rawValue: "invalid-input")
        /// A start's input breaks the definition's `inputSchema`; `violations` says where.
        public static let inputSchemaViolation = Code(rawValue: "invalid-workflow-input")
        /// A schedule document with problems; `issues` lists each with its field.
        public static let invalidSchedule = Code(rawValue: "invalid-schedule")
        public static let conflict = Code(rawValue: "conflict")
        /// The store or Kafka is unavailable for now; retry later.
        public static let unavailable = Code(rawValue: "unavailable")
        public static let `internal` = Code(rawValue: "internal")
        /// The start would queue behind a concurrency limit and the queue is full; retry later.
        public static let queueFull = Code(rawValue: "queue-full")
        /// The store refused the command's commit as stale: the orchestrator decides it again.
        /// Never leaves the runtime (after its last attempt it becomes `.unavailable`).
        static let staleDecision = Code(rawValue: "stale-decision")
    }

    public var code: Code
    public var message: String
    /// Every problem of a rejected definition, each with step, field and column.
    public var issues: [DefinitionIssue]
    /// Every way a rejected input breaks the definition's `inputSchema`.
    public var violations: [InputViolation]

    public init(_ code: Code, _ message: String, issues: [DefinitionIssue] = [], violations: [InputViolation] = []) {
        self.code = code
        self.message = message
        self.issues = issues
        self.violations = violations
    }

    public var description: String { "\(code): \(message)" }
}

/// One way an input breaks a definition's `inputSchema`: where (a JSON Pointer into the input)
/// and why.
public struct InputViolation: Sendable, Hashable {
    public var pointer: String
    public var message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }
}

/// An operator's action on an instance.
public enum InstanceOperation: Sendable, Hashable {
    /// RUNNING → PAUSED.
    case pause
    /// PAUSED → RUNNING; what arrived meanwhile is applied.
    case resume
    /// FAILED or TIMED_OUT → RUNNING from the step that failed.
    case retry
    /// Any status → RUNNING from `step`, with a new input when given.
    case rerun(step: String, input: JSONValue?)

    public var name: String {
        switch self {
        case .pause: "pause"
        case .resume: "resume"
        case .retry: "retry"
        case .rerun: "rerun"
        }
    }
}

/// A task type's breaker as the API shows it.
public struct CircuitBreakerStatus: Sendable, Hashable {
    public var record: BreakerRecord
    public var policy: BreakerPolicy
    /// Failures in the sliding window now.
    public var failuresInWindow: Int
    /// Requests of the type held in the store now.
    public var held: Int

    public init(record: BreakerRecord, policy: BreakerPolicy, failuresInWindow: Int, held: Int) {
        self.record = record
        self.policy = policy
        self.failuresInWindow = failuresInWindow
        self.held = held
    }
}

extension WorkflowService {
    /// None, for services without breakers (test doubles).
    public func circuitBreakers() async throws(ServiceError) -> [CircuitBreakerStatus] { [] }

    /// Starts an instance in a trace of its own (schedules, tools).
    public func startInstance(workflowId: String, version: Int?, input: JSONValue, idempotencyKey: String?) async throws(ServiceError) -> StartedInstance {
        try await startInstance(workflowId: workflowId, version: version, input: input, idempotencyKey: idempotencyKey, trace: nil)
    }
}
