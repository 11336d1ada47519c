import BatonExpressions
import Testing

/// The exact problem document the API should send, for whole-body comparisons.
func problemDocument(
    _ slug: String, title: String, status: Int, detail: String, instance: String, errors: [JSONValue]? = nil
) -> JSONValue {
    var members: [String: JSONValue] = [
        "type": .string("https://baton.dev/problems/\(slug)"),
        "title": .string(title),
        "status": .number(Double(status)),
        "detail": .string(detail),
        "instance": .string(instance),
    ]
    if let errors { members["errors"] = .array(errors) }
    return .object(members)
}

/// Checks status, content type and the whole problem body.
func expectProblem(_ response: TestResponse, _ expected: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(response.status == expected["status"]?.intValue, sourceLocation: sourceLocation)
    #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
    let body = try response.json()
    #expect(body == expected, sourceLocation: sourceLocation)
}
