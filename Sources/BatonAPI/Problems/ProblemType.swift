import Hummingbird

/// The kinds of problem the API reports: a stable URI slug, a fixed title and an HTTP status.
///
/// RFC 9457 says the `type` URI identifies the problem and the `title` must not vary between
/// occurrences, so both live here once; what varies goes in `detail` and `errors`. Clients branch
/// on `type`, never on `detail`.
struct ProblemType: Sendable, Hashable {
    /// Last segment of the type URI, e.g. `not-found`.
    var slug: String
    var title: String
    var status: HTTPResponse.Status

    /// The problem's `type` member.
    var uri: String { "https://baton.dev/problems/\(slug)" }

    /// No credentials, or credentials that prove nothing; sent with `WWW-Authenticate`.
    static let unauthenticated = ProblemType(slug: "unauthenticated", title: "Authentication required", status: .unauthorized)
    /// Valid credentials without the permission the route needs.
    static let forbidden = ProblemType(slug: "forbidden", title: "Not permitted", status: .forbidden)
    static let notFound = ProblemType(slug: "not-found", title: "Resource not found", status: .notFound)
    static let methodNotAllowed = ProblemType(slug: "method-not-allowed", title: "Method not allowed", status: .methodNotAllowed)
    static let malformedJSON = ProblemType(slug: "malformed-json", title: "Malformed JSON body", status: .badRequest)
    static let malformedBody = ProblemType(slug: "malformed-body", title: "Malformed request body", status: .badRequest)
    static let invalidParameter = ProblemType(slug: "invalid-parameter", title: "Invalid request parameter", status: .badRequest)
    static let invalidInput = ProblemType(slug: "invalid-input", title: "Invalid input", status: .badRequest)
    static let contentTooLarge = ProblemType(slug: "content-too-large", title: "Request body too large", status: .contentTooLarge)
    static let headerFieldsTooLarge = ProblemType(
        slug: "header-fields-too-large", title: "Request header fields too large", status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large")
    )
    static let malformedRequest = ProblemType(slug: "malformed-request", title: "Malformed HTTP request", status: .badRequest)
    static let unsupportedMediaType = ProblemType(slug: "unsupported-media-type", title: "Unsupported media type", status: .unsupportedMediaType)
    static let invalidWorkflowInput = ProblemType(slug: "invalid-workflow-input", title: "Input does not match the workflow's input schema", status: .unprocessableContent)
    static let invalidDefinition = ProblemType(slug: "invalid-definition", title: "Invalid workflow definition", status: .unprocessableContent)
    /// A key request of the right shape that names no role, or an expiry too short.
    static let invalidKey = ProblemType(slug: "invalid-key", title: "Invalid API key request", status: .unprocessableContent)
    static let invalidSchedule = ProblemType(slug: "invalid-schedule", title: "Invalid schedule", status: .unprocessableContent)
    static let conflict = ProblemType(slug: "conflict", title: "Conflict with the current state", status: .conflict)
    /// A start would queue behind a concurrency limit and the queue is full.
    static let queueFull = ProblemType(slug: "queue-full", title: "Too many instances wait to start", status: .tooManyRequests)
    static let unavailable = ProblemType(slug: "unavailable", title: "Service temporarily unavailable", status: .serviceUnavailable)
    static let notReady = ProblemType(slug: "not-ready", title: "Not ready", status: .serviceUnavailable)
    static let `internal` = ProblemType(slug: "internal", title: "Internal server error", status: .internalServerError)
}
