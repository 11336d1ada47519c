import BatonExpressions

/// An error as Baton records it: in step state, workflow state, history and lifecycle events.
///
/// Task executors report errors with the same shape on the results topic, so a worker's error
/// travels to the instance view untouched.
public struct ErrorInfo: Sendable, Hashable {
    /// A stable, machine-readable code, e.g. `PAYMENT_DECLINED` or Baton's own `INPUT_MAPPING_ERROR`.
    public var code: String
    public var message: String
    public var retryable: Bool
    public var details: JSONValue?
    /// The step the error happened in, when it belongs to one.
    public var stepId: String?
    public var attempt: Int?
    public var time: Timestamp?

    public init(code: String, message: String, retryable: Bool = false, details: JSONValue? = nil, stepId: String? = nil, attempt: Int? = nil, time: Timestamp? = nil) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.details = details
        self.stepId = stepId
        self.attempt = attempt
        self.time = time
    }

    /// The error as it appears in the state document and on the wire.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["code": .string(code), "message": .string(message), "retryable": .bool(retryable)]
        if let details { o["details"] = details }
        if let stepId { o["stepId"] = .string(stepId) }
        if let attempt { o["attempt"] = .number(Double(attempt)) }
        if let time { o["time"] = .string(time.iso8601) }
        return .object(o)
    }

    public init?(json: JSONValue) {
        guard let code = json["code"]?.stringValue else { return nil }
        self.init(
            code: code, message: json["message"]?.stringValue ?? "", retryable: json["retryable"]?.boolValue ?? false,
            details: json["details"].flatMap { $0.isNull ? nil : $0 }, stepId: json["stepId"]?.stringValue,
            attempt: json["attempt"]?.intValue, time: json["time"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        )
    }
}

/// Codes of errors Baton itself raises (executors choose their own).
public enum BatonErrorCode {
    public static let inputMapping = "INPUT_MAPPING_ERROR"
    public static let outputMapping = "OUTPUT_MAPPING_ERROR"
    public static let condition = "CONDITION_ERROR"
    public static let noMatchingChoice = "NO_MATCHING_CHOICE"
    public static let stepLimit = "STEP_LIMIT_EXCEEDED"
    /// The output broke the definition's `outputSchema`.
    public static let invalidOutput = "INVALID_OUTPUT"
    public static let unknownStep = "UNKNOWN_STEP"
    public static let taskFailed = "TASK_FAILED"
    /// A task attempt ran past its `timeout` (retryable, like any failure).
    public static let timeout = "TIMEOUT"
    public static let workflowTimeout = "WORKFLOW_TIMEOUT"
    /// An operator cancelled the instance (message: the reason given).
    public static let cancelled = "CANCELLED"
    /// The instance's definition version could not be loaded or compiled, so nothing of it can run.
    public static let definitionUnavailable = "DEFINITION_UNAVAILABLE"
    /// A task request would be larger than a Kafka record may be; it was not sent.
    public static let payloadTooLarge = "PAYLOAD_TOO_LARGE"
    /// A `subworkflow` step names a definition (or version) the store does not have.
    public static let subworkflowUnavailable = "SUBWORKFLOW_UNAVAILABLE"
    /// A `subworkflow` step would nest children deeper than the engine's `maxSubworkflowDepth`.
    public static let subworkflowDepth = "SUBWORKFLOW_DEPTH_EXCEEDED"
    /// A `subworkflow` step's input breaks the child definition's `inputSchema`.
    public static let invalidInput = "INVALID_INPUT"
    /// A `subworkflow` step's child would share its business key with a running instance.
    public static let duplicateBusinessKey = "DUPLICATE_BUSINESS_KEY"
}
