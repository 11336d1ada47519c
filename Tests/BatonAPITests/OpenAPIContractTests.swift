import BatonAPI
import Foundation
import Hummingbird
import Testing
import Yams

/// `schemas/openapi.yaml` must describe exactly the routes the router serves: a route added
/// without documentation, or documentation for a route that does not exist, fails here.
@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    static let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    static func specificationText() throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("schemas/openapi.yaml")
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func specification() throws -> [String: Any] {
        try #require(try Yams.load(yaml: try specificationText()) as? [String: Any])
    }

    @Test func theServerServesExactlyTheDocumentInSchemas() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.get("/openapi.yaml")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/yaml")
            let served = String(decoding: response.body, as: UTF8.self)
            #expect(served == (try Self.specificationText()), "the binary serves another document than schemas/openapi.yaml (it is embedded through Sources/BatonAPI/Resources/openapi.yaml, a symlink)")
        }
    }

    @Test func everyServedRouteIsDocumentedWithTheSameMethodAndViceVersa() throws {
        let router = makeRouter(service: Harness().service, authentication: .disabled)
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })

        let paths = try #require(try Self.specification()["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            let operations = try #require(item as? [String: Any])
            for method in operations.keys where Self.httpMethods.contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }

        #expect(served.count == 39)
        #expect(served.subtracting(documented).sorted() == [], "served but not in schemas/openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "in schemas/openapi.yaml but not served")
    }

    @Test func theSpecificationIsOpenAPI31WithAProblemSchema() throws {
        let specification = try Self.specification()
        #expect(specification["openapi"] as? String == "3.1.0")
        let schemas = try #require((specification["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let problem = try #require(schemas["Problem"] as? [String: Any])
        #expect(problem["required"] as? [String] == ["type", "title", "status", "detail", "instance"])
    }

    @Test func everyDocumentedErrorResponseIsProblemJSON() throws {
        let specification = try Self.specification()
        let shared = try #require((specification["components"] as? [String: Any])?["responses"] as? [String: Any])
        let paths = try #require(specification["paths"] as? [String: Any])
        var checked = 0
        for (path, item) in paths {
            for (method, operation) in try #require(item as? [String: Any]) where Self.httpMethods.contains(method) {
                let responses = try #require((operation as? [String: Any])?["responses"] as? [String: Any])
                for (status, response) in responses where (Int(status) ?? 0) >= 400 {
                    var resolved = try #require(response as? [String: Any])
                    if let reference = resolved["$ref"] as? String {
                        let name = String(reference.dropFirst("#/components/responses/".count))
                        resolved = try #require(shared[name] as? [String: Any], "\(method) \(path) \(status): dangling \(reference)")
                    }
                    let content = resolved["content"] as? [String: Any]
                    #expect(content?.keys.sorted() == ["application/problem+json"], "\(method) \(path) \(status)")
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }
}
