import BatonExpressions
import Hummingbird

/// An RFC 9457 problem: the only shape in which the API reports errors.
///
/// Handlers throw it; `ProblemMiddleware` renders it. Keeping errors as a thrown value (rather
/// than building responses in place) means every failure path, including ones raised deep in a
/// helper, ends up with the same body, content type and `instance`.
struct Problem: Error, Sendable {
    var type: ProblemType
    /// Human-readable explanation of this occurrence: what went wrong and how to fix it.
    var detail: String
    /// One entry per problem in a validation failure (JSON pointers, parameter names, positions).
    var errors: [ProblemItem]
    /// Extra response headers such as `Retry-After` or `Allow`.
    var headers: HTTPFields

    init(_ type: ProblemType, _ detail: String, errors: [ProblemItem] = [], headers: HTTPFields = [:]) {
        self.type = type
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// The problem document; `instance` is the request path, so a log line and a client report
    /// can be matched without echoing the query string (which may hold user data).
    func document(instance: String) -> JSONValue {
        var members: [String: JSONValue] = [
            "type": .string(type.uri),
            "title": .string(type.title),
            "status": .number(Double(type.status.code)),
            "detail": .string(detail),
            "instance": .string(instance),
        ]
        if !errors.isEmpty { members["errors"] = .array(errors.map(\.json)) }
        return .object(members)
    }

    func response(instance: String) -> Response {
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(
            status: type.status, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: document(instance: instance).serializedBytes()))
        )
    }
}

/// One entry of a problem's `errors` array.
///
/// Every entry has a `message`; where the problem is located is said by `pointer` (a JSON Pointer
/// into the request body, RFC 6901), `parameter` (a query, path or header parameter name), or
/// `line`/`column` (a position in a malformed body). Definition issues also carry `stepId`, `field`
/// and `column`, the names definition authors see in the CLI.
struct ProblemItem: Sendable, Hashable {
    var message: String
    var pointer: String?
    var parameter: String?
    var line: Int?
    var column: Int?
    /// Set for definition issues only, so `stepId` and `field` appear (possibly null) on exactly those.
    var definitionIssue: DefinitionIssueFields?

    struct DefinitionIssueFields: Sendable, Hashable {
        var stepId: String?
        var field: String
    }

    init(message: String, pointer: String? = nil, parameter: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.pointer = pointer
        self.parameter = parameter
        self.line = line
        self.column = column
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["message": .string(message)]
        if let pointer { members["pointer"] = .string(pointer) }
        if let parameter { members["parameter"] = .string(parameter) }
        if let line { members["line"] = .number(Double(line)) }
        if let definitionIssue {
            members["stepId"] = definitionIssue.stepId.map(JSONValue.string) ?? .null
            members["field"] = .string(definitionIssue.field)
            members["column"] = column.map { .number(Double($0)) } ?? .null
        } else if let column {
            members["column"] = .number(Double(column))
        }
        return .object(members)
    }
}
