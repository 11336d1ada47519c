/// One problem found in a workflow definition document.
///
/// Carries enough to point an author at the exact spot: the step (when inside one), the field as a
/// JSON Pointer into the document, and the column inside an expression string.
public struct DefinitionIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The id of the step the problem is in, if any.
    public var stepId: String?
    /// JSON Pointer (RFC 6901) to the offending field, e.g. `/steps/2/next/0/when`.
    public var field: String
    /// 1-based column inside an expression or template string, when the problem is there.
    public var column: Int?
    public var message: String

    public init(stepId: String? = nil, field: String, column: Int? = nil, message: String) {
        self.stepId = stepId
        self.field = field
        self.column = column
        self.message = message
    }

    public var description: String {
        var where_ = field.isEmpty ? "/" : field
        if let stepId { where_ = "step '\(stepId)' \(where_)" }
        if let column { where_ += " column \(column)" }
        return "\(where_): \(message)"
    }
}

/// A definition was rejected; `issues` lists every problem found, not only the first.
public struct DefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var issues: [DefinitionIssue]

    public init(issues: [DefinitionIssue]) { self.issues = issues }

    public var description: String {
        "invalid workflow definition (\(issues.count) problem\(issues.count == 1 ? "" : "s")):\n"
            + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
