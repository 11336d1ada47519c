/// Why a cron expression was refused, precise enough to fix it without reading the grammar.
///
/// Schedules come from definitions, the REST API and the CLI; the message names the field and
/// the text at fault so the API can answer with a problem detail instead of "invalid cron".
public struct CronSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The whole expression as given.
    public var expression: String
    /// The field at fault (`minute`, `day of week`, …); nil when the expression as a whole is wrong.
    public var field: String?
    /// What is wrong, e.g. `60 is outside 0–59`.
    public var reason: String

    public init(expression: String, field: String?, reason: String) {
        self.expression = expression
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field { return "cron expression '\(expression)': \(field) field: \(reason)" }
        return "cron expression '\(expression)': \(reason)"
    }
}
