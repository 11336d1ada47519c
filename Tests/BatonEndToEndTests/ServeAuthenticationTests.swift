import BatonExpressions
import BatonServer
import Foundation
import Testing

extension EndToEnd {
    /// `baton serve` with authentication on, driven only through the binary: keys made with
    /// `baton keys`, a refusal to start without an admin key, bearer tokens over HTTP and the CLI.
    @Suite("baton serve authentication", .serialized, .timeLimit(.minutes(4)))
    struct ServeAuthenticationTests {
        /// Runs a `baton` command to its end: exit status, standard output, standard error.
        static func baton(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
            let process = Process()
            process.executableURL = packageRoot().appendingPathComponent(".build/debug/baton")
            process.arguments = arguments
            var merged = ProcessInfo.processInfo.environment
            merged.removeValue(forKey: "BATON_TOKEN")
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            let errData = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
        }

        /// The token line of `baton keys create`'s report, and the key's id.
        static func createKey(store: String, name: String, grant: String) throws -> (id: String, token: String) {
            let created = try baton(["keys", "create", "--store", store, "--name", name, "--grant", grant])
            try #require(created.status == 0, "keys create: \(created.err)")
            let token = try #require(created.out.split(separator: "\n").last { $0.hasPrefix("baton_") }.map(String.init))
            let id = try #require(created.out.split(separator: " ").dropFirst(3).first.map(String.init))
            return (id, token)
        }

        /// The README's settings table is the catalog's; this holds `serve` to it: every flag the
        /// catalog names is one `serve` takes (eight settings were documented with flags `serve`
        /// did not have, `--otlp-endpoint` and `--max-running` among them).
        @Test func serveTakesEveryFlagTheSettingsCatalogNames() throws {
            let help = try Self.baton(["serve", "--help"])
            #expect(help.status == 0)
            let missing = Setting.serve.compactMap(\.flag).filter { !help.out.contains("--\($0)") }
            #expect(missing.isEmpty, "serve lacks \(missing)")
        }

        @Test func serveRefusesToStartWithoutAnAdminKeyAndThenAuthenticatesEveryCall() async throws {
            // Without any admin key, serve stops at once and says what to do.
            let lonely = FileManager.default.temporaryDirectory.appendingPathComponent("baton-noadmin-\(UUID().uuidString).sqlite").path
            defer { try? FileManager.default.removeItem(atPath: lonely) }
            _ = try Self.createKey(store: lonely, name: "ops", grant: "operator")
            let refused = try Self.baton(["serve", "--store", lonely, "--bootstrap-servers", "127.0.0.1:1", "--api-port", "0"])
            #expect(refused.status != 0)
            #expect((refused.out + refused.err).contains("no active API key holds the admin role"))
            #expect((refused.out + refused.err).contains("baton keys create --name admin --grant admin"))

            var keys: [String: (id: String, token: String)] = [:]
            let cluster = try await ServeCluster(name: "serve-auth", partitions: 2, taskType: "auth.work", authenticated: true) { store in
                keys["admin"] = try Self.createKey(store: store, name: "admin", grant: "admin")
                keys["ops"] = try Self.createKey(store: store, name: "ops", grant: "operator@auth.*")
                keys["gone"] = try Self.createKey(store: store, name: "gone", grant: "admin")
                let revoked = try Self.baton(["keys", "revoke", "--store", store, keys["gone"]!.id])
                try #require(revoked.status == 0, "keys revoke: \(revoked.err)")
            }
            let port = cluster.port
            let admin = try #require(keys["admin"]).token
            let ops = try #require(keys["ops"]).token
            func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

            // Probes are open; everything else wants a token that proves something.
            #expect(try await http("GET", port: port, "/readyz").status == 200)
            #expect(try await http("GET", port: port, "/v1/instances").status == 401)
            #expect(try await http("GET", port: port, "/metrics").status == 401)
            #expect(try await http("GET", port: port, "/v1/instances", headers: bearer(try #require(keys["gone"]).token)).status == 401)
            #expect(try await http("GET", port: port, "/v1/instances", headers: bearer(admin + "x")).status == 401)
            #expect(try await http("GET", port: port, "/metrics", headers: bearer(admin)).status == 200)

            let definition = """
                id: auth.greet
                steps:
                  - {id: greet, type: task, taskType: auth.work}
                """
            #expect(try await http("POST", port: port, "/v1/definitions", body: definition, contentType: "application/yaml", headers: bearer(ops)).status == 403)
            #expect(try await http("POST", port: port, "/v1/definitions", body: definition, contentType: "application/yaml", headers: bearer(admin)).status == 201)
            let started = try await http("POST", port: port, "/v1/workflows/auth.greet/instances", body: "{}", headers: bearer(ops))
            #expect(started.status == 201)
            let id = try #require(started.json["id"]?.stringValue)
            #expect(try await http("PUT", port: port, "/v1/admin/log-level", body: #"{"level":"debug"}"#, headers: bearer(ops)).status == 403)

            // The CLI presents BATON_TOKEN (or --token); without it, it says how to.
            let api = "http://127.0.0.1:\(port)"
            let listed = try Self.baton(["list", "--api", api], environment: ["BATON_TOKEN": ops])
            #expect(listed.status == 0, "\(listed.err)")
            #expect(listed.out.contains(id))
            let cancelled = try Self.baton(["cancel", id, "--api", api, "--token", ops, "--reason", "test"])
            #expect(cancelled.status == 0, "\(cancelled.err)")
            let bare = try Self.baton(["list", "--api", api])
            #expect(bare.status != 0)
            #expect(bare.err.contains("BATON_TOKEN"))

            // History names the key, not what a client claims.
            let history = try await http("GET", port: port, "/v1/instances/\(id)/history", headers: bearer(admin)).json
            let cancel = history["items"]?.arrayValue?.first { $0["type"] == "WorkflowCancelled" }
            #expect(cancel?["data"]?["by"] == "key:ops")

            // Keys made and revoked over HTTP by an admin work at once (SQLite while serve runs).
            let made = try await http("POST", port: port, "/v1/admin/keys", body: #"{"name":"ci","grants":["viewer"]}"#, headers: bearer(admin))
            #expect(made.status == 201)
            let ciToken = try #require(made.json["token"]?.stringValue)
            let ciId = try #require(made.json["id"]?.stringValue)
            #expect(try await http("GET", port: port, "/v1/instances/\(id)", headers: bearer(ciToken)).status == 200)
            #expect(try await http("POST", port: port, "/v1/admin/keys", body: #"{"name":"ci2","grants":["admin"]}"#, headers: bearer(ciToken)).status == 403)
            #expect(try await http("DELETE", port: port, "/v1/admin/keys/\(ciId)", headers: bearer(admin)).status == 200)
            #expect(try await http("GET", port: port, "/v1/instances/\(id)", headers: bearer(ciToken)).status == 401)

            cluster.stopServe()
            // Use is recorded (at most once a minute per key).
            let table = try Self.baton(["keys", "list", "--store", cluster.store])
            let opsRow = table.out.split(separator: "\n").first { $0.contains(" ops ") }.map(String.init) ?? ""
            #expect(!opsRow.hasSuffix("never"), "\(table.out)")
            #expect(table.out.contains("revoked"))

            // The audit chain: key changes from the CLI, API changes and refusals, intact; then a
            // record changed behind Baton's back is named.
            let verified = try Self.baton(["audit", "verify", "--store", cluster.store])
            #expect(verified.status == 0, "\(verified.out) \(verified.err)")
            #expect(verified.out.contains("audit chain intact"))
            let tamper = Process()
            tamper.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            tamper.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit_log SET actor='key:admin' WHERE sequence=3\"); c.commit()", cluster.store]
            try tamper.run()
            tamper.waitUntilExit()
            let broken = try Self.baton(["audit", "verify", "--store", cluster.store])
            #expect(broken.status != 0)
            #expect(broken.out.contains("BROKEN at record 3"), "\(broken.out)")
            cluster.passed()
        }
    }
}
