import BatonExpressions
import Foundation
import Testing

extension EndToEnd {
    /// The request half of the attack list, against a real server on each SQL store with
    /// authentication on: SQL metacharacters in every path and query parameter, path tricks and
    /// oversized bodies. Each must be answered as a client error (never 200 for something else,
    /// never a 500), and the store must hold what it held. The JWT and key attacks are in
    /// `JWTAuthenticatorTests`, `AccessControlTests` and `ServeAuthenticationTests`.
    @Suite("Attack list", .serialized, .timeLimit(.minutes(4)))
    struct AttackListTests {
        static let injections = [
            "' OR '1'='1", "x'; DROP TABLE instances; --", "\" OR 1=1 --", "1; SELECT pg_sleep(5)", "%' OR 'a' LIKE '%", "x\\' OR 1=1 #",
            "' UNION SELECT id, id, id FROM api_keys --", "$1", "?", "\u{0}",
        ]

        @Test(arguments: StoreKind.allCases)
        func injectionsAndPathTricksGetClientErrorsAndChangeNothing(_ kind: StoreKind) async throws {
            try await withHarness(store: kind, configure: { $0.api.insecureNoAuth = false }) { h in
                let started = try await h.http("POST", "/v1/workflows/greet/instances", body: #"{"name":"Ada"}"#)
                #expect(started.status == 201)
                let id = try #require(started.json["id"]?.stringValue)
                var tried = 0
                var gotIn: [String] = []
                func attempt(_ method: String, _ path: String, body: String? = nil, allowed: Set<Int> = [400, 404, 405, 409, 413, 422]) async throws {
                    tried += 1
                    let answer = try await h.http(method, path, body: body)
                    if !allowed.contains(answer.status) { gotIn.append("\(method) \(path) → \(answer.status)") }
                }
                for text in Self.injections {
                    let encoded = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                    for template in [
                        "/v1/instances/%@", "/v1/instances/%@/history", "/v1/instances/%@/steps", "/v1/definitions/%@", "/v1/definitions/%@/versions",
                        "/v1/schedules/%@", "/v1/dead-letters/%@",
                    ] {
                        try await attempt("GET", template.replacingOccurrences(of: "%@", with: encoded))
                    }
                    try await attempt("POST", "/v1/instances/\(encoded)/cancel", body: "{}")
                    try await attempt("POST", "/v1/workflows/\(encoded)/instances", body: "{}")
                    try await attempt("POST", "/v1/instances/\(id)/signals/\(encoded)", body: "{}", allowed: [200, 202, 400, 404, 409])
                    // Filters are values, never SQL: a list answers 200 with nothing (or 400).
                    for query in ["workflowId", "status", "parentId", "cursor"] {
                        try await attempt("GET", "/v1/instances?\(query)=\(encoded)", allowed: [200, 400])
                    }
                    for query in ["actor", "action", "target"] {
                        try await attempt("GET", "/v1/audit?\(query)=\(encoded)", allowed: [200, 400])
                    }
                    try await attempt("GET", "/v1/dead-letters?reason=\(encoded)&topic=\(encoded)", allowed: [200, 400])
                    try await attempt("GET", "/v1/schedules?workflowId=\(encoded)", allowed: [200, 400])
                }
                // Path tricks: traversal, encoded slashes, look-alike ids, overlong ids.
                for path in [
                    "/v1/instances/..%2F..%2Fadmin%2Flog-level", "/v1/instances/%2E%2E", "/v1/instances/\(id)%2Fhistory", "/v1/instances/\(id)%00",
                    "/v1/instances/\(id.replacingOccurrences(of: "-", with: "%E2%80%90"))", "/v1/instances/\(String(repeating: "a", count: 5000))",
                    "/v1/definitions/gr%D0%B5et", "/v1/instances/%FF%FE",
                ] {
                    try await attempt("GET", path)
                }
                try await attempt("GET", "/v1/instances/../admin/log-level", allowed: [200, 400, 404])  // resolved by the client before sending
                // NUL inside JSON strings is data (escaped as \u0000 wherever it is stored).
                try await attempt("POST", "/v1/workflows/greet/instances", body: #"{"name":"a\u0000b"}"#, allowed: [201])
                // Oversized: a body beyond the limit is refused before it is read whole.
                try await attempt("POST", "/v1/workflows/greet/instances", body: "{\"name\":\"" + String(repeating: "x", count: 2 << 20) + "\"}", allowed: [413])
                try await attempt("POST", "/v1/definitions", body: String(repeating: "a", count: 2 << 20), allowed: [413])

                #expect(gotIn.isEmpty, "\(gotIn)")
                print("attack list (\(kind)): \(tried) requests tried, \(gotIn.count) got in")
                // Nothing changed: the one instance is there, the tables too.
                let listed = try await h.http("GET", "/v1/instances?workflowId=greet")
                #expect(listed.json["items"]?.arrayValue?.count == 2, "the one started first and the one with NUL in its input")
                #expect(try await h.http("GET", "/v1/instances/\(id)").status == 200)
            }
        }
    }
}
