import BatonAPI
import BatonRuntime
import Foundation
import Logging
import BatonExpressions
import Testing

@Suite("Health routes")
struct HealthRoutesTests {
    @Test func livezAnswers200() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.get("/livez")
            #expect(response.status == 200)
            #expect(try response.json() == ["status": "ok"])
        }
    }

    @Test func readyzAnswers503WithTheReasonUntilTheServiceIsReady() async throws {
        let harness = Harness()
        harness.readiness.set("kafka", notReadyBecause: "consumer group not joined")
        try await withAPIServer(harness.service) { client in
            let notReady = try await client.get("/readyz")
            #expect(notReady.header("Retry-After") == "5")
            try expectProblem(notReady, problemDocument(
                "not-ready", title: "Not ready", status: 503, detail: "kafka: consumer group not joined", instance: "/readyz"
            ))

            harness.readiness.set("kafka", notReadyBecause: nil)
            let ready = try await client.get("/readyz")
            #expect(ready.status == 200)
            #expect(try ready.json() == ["status": "ok"])
        }
    }
}

/// The process's log level, read and changed while it runs; every logger made through the switch
/// follows at once.
@Suite("Log level route")
struct LogLevelRouteTests {
    final class Captured: @unchecked Sendable {
        let lock = NSLock()
        var messages: [String] = []
    }

    struct CapturingHandler: LogHandler {
        let captured: Captured
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            captured.lock.withLock { captured.messages.append(event.message.description) }
        }
    }

    @Test func putChangesTheLevelOfEveryLoggerAtOnce() async throws {
        let levels = LogLevelSwitch(.info)
        let captured = Captured()
        let logger = Logger(label: "test") { _ in levels.makeHandler(CapturingHandler(captured: captured)) }
        let copy = logger  // what each service holds
        copy.debug("before")
        try await withAPIServer(Harness().service, logLevels: levels) { client in
            #expect(try await client.get("/v1/admin/log-level").json() == ["level": "info"])
            let changed = try await client.send("PUT", "/v1/admin/log-level", headers: [("Content-Type", "application/json")], body: Array(#"{"level":"DEBUG"}"#.utf8))
            #expect(changed.status == 200)
            #expect(try changed.json() == ["level": "debug", "previous": "info"])
            copy.debug("after")
            logger.trace("not yet")
            let bad = try await client.send("PUT", "/v1/admin/log-level", headers: [("Content-Type", "application/json")], body: Array(#"{"level":"loud"}"#.utf8))
            #expect(bad.status == 400)
            #expect(try bad.json()["errors"]?[0]?["pointer"] == "/level")
            #expect(levels.level == .debug)
        }
        #expect(captured.messages == ["after"])
        // A server whose level is fixed says so.
        try await withAPIServer(Harness().service) { client in
            let fixed = try await client.get("/v1/admin/log-level")
            #expect(fixed.status == 404)
        }
    }
}
