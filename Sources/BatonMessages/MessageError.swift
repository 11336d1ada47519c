/// Why an inbound message could not be processed. It travels with the message to the dead-letter
/// topic (`baton-dlq-reason`, `baton-dlq-message` headers), so an operator can fix and redrive it.
public struct MessageError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Reason: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The value is not JSON (or not UTF-8).
        public static let malformed = Reason(rawValue: "MALFORMED")
        /// JSON, but not the shape the topic's schema requires.
        public static let schemaViolation = Reason(rawValue: "SCHEMA_VIOLATION")
        /// Larger than the configured limit.
        public static let oversized = Reason(rawValue: "OVERSIZED")
        public static let unknownInstance = Reason(rawValue: "UNKNOWN_INSTANCE")
        public static let unknownWorkflow = Reason(rawValue: "UNKNOWN_WORKFLOW")
        /// No definition's trigger matches the event type.
        public static let noTrigger = Reason(rawValue: "NO_MATCHING_TRIGGER")
        /// A trigger's filter or input mapping failed on this event.
        public static let mappingFailed = Reason(rawValue: "MAPPING_FAILED")
        /// The trigger's input breaks the definition's `inputSchema`.
        public static let invalidInput = Reason(rawValue: "INVALID_INPUT")
        /// The same task attempt reported again with a different outcome (the first applied wins).
        public static let conflict = Reason(rawValue: "CONFLICT")
        /// Not a message but a gap: retention deleted these offsets before Baton read them
        /// (replay them from their source; the value says which).
        public static let lostToRetention = Reason(rawValue: "LOST_TO_RETENTION")
    }

    public var reason: Reason
    public var message: String
    /// JSON Pointer to the offending field, when there is one.
    public var pointer: String?

    public init(_ reason: Reason, _ message: String, pointer: String? = nil) {
        self.reason = reason
        self.message = message
        self.pointer = pointer
    }

    public var description: String {
        "\(reason): \(message)" + (pointer.map { " (at \($0))" } ?? "")
    }
}
