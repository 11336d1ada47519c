import Foundation
import Testing

extension EndToEnd {
    /// The REST contract held against an outside fuzzer: schemathesis (PyPI) reads the document the
    /// running server serves at `/openapi.yaml`, generates requests from it (valid ones that must
    /// be accepted, invalid ones that must be refused, stateful sequences through the links it
    /// infers) and checks every answer against the document. Deterministic and bounded: 100
    /// examples per operation, a few thousand requests in well under a minute here.
    @Suite("REST contract under schemathesis", .serialized, .timeLimit(.minutes(5)))
    struct SchemathesisTests {
        static let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        @Test func schemathesisFindsNoDifferenceBetweenTheDocumentAndTheServer() async throws {
            // Authentication on: the document declares bearer security, and schemathesis checks
            // that requests without it, or with a wrong token, are refused (ST401).
            try await withHarness(configure: { $0.api.insecureNoAuth = false }) { h in
                let base = "http://127.0.0.1:\(h.apiPort)"
                let token = try #require(h.token)
                let output = FileManager.default.temporaryDirectory.appendingPathComponent("schemathesis-\(UUID().uuidString).txt")
                defer { try? FileManager.default.removeItem(at: output) }
                let status = try await Self.run(
                    [
                        "python3", "-m", "schemathesis.cli",
                        "--config-file", Self.repository.appendingPathComponent("Tests/Support/schemathesis.toml").path,
                        "run", "\(base)/openapi.yaml", "--url", base,
                        "--checks", "all", "--max-examples", "100", "--generation-deterministic",
                        "--request-timeout", "10", "--no-color", "--header", "Authorization: Bearer \(token)",
                    ],
                    output: output, timeout: .seconds(240)
                )
                let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                let summary = text.split(separator: "\n").filter { line in
                    ["test cases", "passed", "failed", "Summary", "API Operations", "Warnings", "Errors"].contains { line.contains($0) }
                }
                print("schemathesis against \(base): exit \(status)\n" + summary.suffix(12).joined(separator: "\n"))
                if status == 127 || text.contains("No module named schemathesis") {
                    Issue.record("schemathesis is not installed: run `make deps` (python3 -m pip install 'schemathesis>=4,<5')")
                }
                #expect(status == 0, "schemathesis reported failures:\n\(text.suffix(20_000))")
            }
        }

        /// Runs a command with its output in `output`, without blocking a thread of the pool; ends
        /// it after `timeout` (exit status 124 then).
        static func run(_ arguments: [String], output: URL, timeout: Duration) async throws -> Int32 {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            defer { try? handle.close() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            // Its cache (.schemathesis/) goes beside the output, not into the checkout.
            process.currentDirectoryURL = output.deletingLastPathComponent()
            let finished = AsyncStream<Int32>.makeStream()
            process.terminationHandler = { finished.continuation.yield($0.terminationStatus) }
            try process.run()
            let timedOut = Locked(false)
            let watchdog = Task {
                try await Task.sleep(for: timeout)
                timedOut.withLock { $0 = true }
                process.terminate()
            }
            defer { watchdog.cancel() }
            for await status in finished.stream {
                return timedOut.withLock { $0 } ? 124 : status
            }
            return -1
        }
    }
}
