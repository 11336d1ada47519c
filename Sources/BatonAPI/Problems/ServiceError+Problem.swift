import BatonCore
import BatonRuntime
import Hummingbird

extension Problem {
    /// Maps a service failure to its HTTP problem. This is the one place that knows which status
    /// each `ServiceError.Code` gets.
    ///
    /// Internal errors keep their message out of the response (it may name files, SQL or hosts);
    /// the caller logs it instead. Unknown codes, added later by another layer, are treated as
    /// internal rather than guessed at.
    init(_ error: ServiceError, retryAfterSeconds: Int64) {
        switch error.code {
        case .notFound:
            self.init(.notFound, error.message)
        case .invalidDefinition:
            self.init(.invalidDefinition, error.message, errors: error.issues.map(ProblemItem.init(issue:)))
        case .invalidSchedule:
            self.init(.invalidSchedule, error.message, errors: error.issues.map(ProblemItem.init(issue:)))
        case .invalidInput:
            self.init(.invalidInput, error.message)
        case .inputSchemaViolation:
            self.init(.invalidWorkflowInput, error.message, errors: error.violations.map { ProblemItem(message: $0.message, pointer: $0.pointer) })
        case .conflict:
            self.init(.conflict, error.message)
        case .unavailable:
            var headers = HTTPFields()
            headers[.retryAfter] = String(retryAfterSeconds)
            self.init(.unavailable, error.message, headers: headers)
        case .queueFull:
            var headers = HTTPFields()
            headers[.retryAfter] = String(retryAfterSeconds)
            self.init(.queueFull, error.message, headers: headers)
        default:
            self.init(.internal, Problem.internalDetail)
        }
    }

    /// What a client is told about a 500: nothing it could misuse.
    static let internalDetail = "The server failed to handle the request; the failure has been logged."
}

extension ProblemItem {
    /// A definition issue as an `errors` entry: `field` and `pointer` are the same JSON Pointer
    /// (the first is the name definition tooling uses, the second RFC 9457's).
    init(issue: DefinitionIssue) {
        self.init(message: issue.message, pointer: issue.field, column: issue.column)
        self.definitionIssue = DefinitionIssueFields(stepId: issue.stepId, field: issue.field)
    }
}

extension Problem {
    /// The problem an error of the API's own (a `Problem`, a `ServiceError`) is answered with;
    /// nil for any other error (the router's, or one nobody expected: a 500).
    init?(answering error: any Error, retryAfterSeconds: Int64) {
        switch error {
        case let problem as Problem: self = problem
        case let error as ServiceError: self.init(error, retryAfterSeconds: retryAfterSeconds)
        default: return nil
        }
    }
}
