import BatonCore
import BatonExpressions
import BatonSecurity
import BatonStore
import Hummingbird
import Testing

@testable import BatonAPI

/// Every route that changes something leaves exactly one audit record — whether it worked,
/// failed or was refused — with the authenticated actor; reads leave none. The test walks the
/// route table, so a new route cannot skip the log.
@Suite("Audit trail")
struct AuditTrailTests {
    static var routes: [APIRoute] {
        APIHandlers(service: Harness().service, schedules: nil, metrics: nil, logLevels: nil, audit: nil, configuration: APIConfiguration()).routes
    }

    /// A concrete path for a template (ids that exist after `seed`; others simply answer 404 and
    /// are recorded as failed).
    static func concrete(_ template: String) -> String {
        template.replacingOccurrences(of: "/v1/schedules/{id}", with: "/v1/schedules/hourly")
            .replacingOccurrences(of: "/v1/workflows/{id}", with: "/v1/workflows/order")
            .replacingOccurrences(of: "/v1/instances/{id}", with: "/v1/instances/inst-1")
            .replacingOccurrences(of: "/v1/dead-letters/{id}", with: "/v1/dead-letters/1")
            .replacingOccurrences(of: "/v1/admin/keys/{id}", with: "/v1/admin/keys/000000000000")
            .replacingOccurrences(of: "{name}", with: "go")
    }

    @Test func everyChangingRouteLeavesExactlyOneRecordAndEveryReadNone() async throws {
        let harness = Harness()
        let audit = InMemoryStore()
        let changing = Self.routes.filter { $0.method != .get }
        #expect(changing.count == AuditActions.byRoute.count, "every changing route has an action, and the table lists no other")
        try await withAPIServer(harness.service, schedules: harness.schedules, authentication: AccessControlTests.authentication, audit: audit, keys: audit) { client in
            let admin = AccessControlTests.bearer("admin")
            // Setup through the API is audited too; counted from here on.
            _ = try await client.post("/v1/definitions", json: Fixtures.orderDefinition, headers: admin)
            _ = try await client.post("/v1/workflows/order/instances", json: [:], headers: admin)
            _ = try await client.post("/v1/schedules", json: ["id": "hourly", "workflowId": "order", "cron": "0 * * * *"], headers: admin)
            var seen = try await audit.auditRecords(AuditQuery(limit: 1000)).count
            #expect(seen == 3)
            for route in changing {
                let path = Self.concrete(route.path)
                var body: [UInt8] = Array("{}".utf8)
                if route.path == "/v1/definitions" { body = Fixtures.orderDefinition.serializedBytes() }
                if route.path == "/v1/admin/log-level" { body = Array(#"{"level":"info"}"#.utf8) }
                if route.path == "/v1/admin/keys" { body = Array(#"{"name":"ci","grants":["viewer"]}"#.utf8) }
                if route.path == "/v1/schedules" { body = Array(#"{"id":"daily","workflowId":"order","cron":"0 0 * * *"}"#.utf8) }
                let response = try await client.send(route.method.rawValue, path, headers: admin + [("Content-Type", "application/json")], body: body)
                let records = try await audit.auditRecords(AuditQuery(afterSequence: Int64(seen), limit: 1000))
                #expect(records.count == 1, "\(route.method) \(route.path) answered \(response.status) and left \(records.count) records")
                #expect(records.first?.entry.action == AuditActions.byRoute["\(route.method.rawValue) \(route.path)"])
                #expect(records.first?.entry.actor == "key:admin")
                #expect(records.first?.entry.outcome == ((200..<300).contains(response.status) ? "ok" : "failed:\(response.status)"))
                seen += records.count
            }
            // Reads leave nothing.
            for route in Self.routes where route.method == .get {
                _ = try await client.get(Self.concrete(route.path), headers: admin)
            }
            #expect(try await audit.auditRecords(AuditQuery(afterSequence: Int64(seen), limit: 1000)).isEmpty)
            // Refusals are recorded: who proved nothing as `-`, who lacked the right by name.
            _ = try await client.post("/v1/instances/inst-1/cancel", json: [:])
            _ = try await client.post("/v1/instances/inst-1/cancel", json: [:], headers: AccessControlTests.bearer("viewer") + [("X-Request-Id", "trace-me")])
            let refused = try await audit.auditRecords(AuditQuery(afterSequence: Int64(seen), limit: 1000))
            #expect(refused.map(\.entry.actor) == ["-", "key:viewer"])
            #expect(refused.map(\.entry.outcome) == ["refused:401", "refused:403"])
            #expect(refused.last?.entry.requestId == "trace-me")
            #expect(refused.last?.entry.source == "127.0.0.1")
            let all = try await audit.auditRecords(AuditQuery(limit: 1000))
            #expect(AuditChain.firstBreak(in: all, after: nil) == nil)
            // And the log reads back through its own route, to an auditor only.
            #expect(try await client.get("/v1/audit", headers: AccessControlTests.bearer("viewer")).status == 403)
            let page = try await client.get("/v1/audit?actor=key:viewer", headers: admin).json()
            #expect(page["items"]?[0]?["outcome"] == "refused:403")
            #expect(page["items"]?[0]?["hash"]?.stringValue?.count == 64)
        }
    }
}
