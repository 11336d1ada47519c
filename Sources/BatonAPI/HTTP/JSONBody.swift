import BatonExpressions
import Hummingbird

extension Request {
    /// The body as JSON, or `empty` when there is no body (zero bytes: a body of white space only
    /// is not JSON, and is refused like any other malformed body).
    ///
    /// Malformed JSON is a 400 whose detail and `errors` entry give the line and column, so the
    /// client can find the typo; a `Content-Type` that is clearly not JSON is a 415.
    func readJSONBody(limit: Int, empty: JSONValue) async throws -> JSONValue {
        let contentType = headers[.contentType]
        guard let format = BodyFormat(contentType: contentType), format != .yaml else {
            throw Problem.unsupportedMediaType(contentType, accepted: "application/json")
        }
        let bytes = try await readBody(limit: limit)
        if bytes.isEmpty { return empty }
        return try Problem.parsingJSON(bytes)
    }

    static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

extension Problem {
    /// Parses `bytes`, turning a parse error into a 400 that says where the JSON broke.
    static func parsingJSON(_ bytes: [UInt8]) throws(Problem) -> JSONValue {
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw Problem(
                .malformedJSON, "The body is not valid JSON: \(error.message) at line \(error.line), column \(error.column).",
                errors: [ProblemItem(message: error.message, line: error.line, column: error.column)]
            )
        }
    }

    static func unsupportedMediaType(_ contentType: String?, accepted: String) -> Problem {
        Problem(.unsupportedMediaType, "Content-Type '\(contentType ?? "")' is not supported here; send \(accepted).")
    }
}
