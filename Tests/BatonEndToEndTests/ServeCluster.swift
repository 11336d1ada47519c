import Foundation
import Testing

/// `baton dev-broker` and `baton serve` as child processes sharing a temporary folder, for the
/// tests that kill the orchestrator with SIGKILL and start it again on the same store.
final class ServeCluster: @unchecked Sendable {
    let binary: String
    let folder: URL
    let bootstrap: String
    let port: Int
    /// The SQLite file `serve` uses, to read directly once it stopped.
    let store: String
    let broker: ChildProcess
    private(set) var serve: ChildProcess
    private let serveArguments: [String]
    /// Cleared by `keepLogsOnFailure(false)` once the test passed, so its folder is removed.
    private var keepLogs = true

    /// - Parameters:
    ///   - authenticated: serve with authentication on (API keys in the store), not `--insecure-no-auth`.
    ///   - beforeServe: runs with the store's path before `serve` starts (to create keys).
    init(
        name: String, partitions: Int, taskType: String, authenticated: Bool = false, beforeServe: (String) async throws -> Void = { _ in }
    ) async throws {
        binary = packageRoot().appendingPathComponent(".build/debug/baton").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the baton executable first (swift build)")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bootstrapFile = folder.appendingPathComponent("bootstrap").path
        broker = try ChildProcess(
            binary, ["dev-broker", "--port", "0", "--partitions", String(partitions), "--task-type", taskType, "--bootstrap-file", bootstrapFile, "--exit-on-stdin-close"],
            log: folder.appendingPathComponent("broker.log")
        )
        bootstrap = try await waitForFile(bootstrapFile)
        port = try freePort()
        store = folder.appendingPathComponent("baton.sqlite").path
        serveArguments = ["serve"] + (authenticated ? [] : ["--insecure-no-auth"]) + [
            "--bootstrap-servers", bootstrap, "--store", store, "--api-port", String(port), "--create-topics", "false",
            "--kafka-property", "fetch.wait.max.ms=5", "--kafka-property", "session.timeout.ms=6000",
            "--kafka-property", "heartbeat.interval.ms=500", "--exit-on-stdin-close",
        ]
        try await beforeServe(store)
        serve = try ChildProcess(binary, serveArguments, log: folder.appendingPathComponent("serve-1.log"))
        try await waitForReady(port: port)
    }

    /// SIGKILL (no cleanup, no final commit), then a new `serve` on the same store; returns once ready.
    func killAndRestart(round: Int) async throws {
        serve.kill()
        serve = try ChildProcess(binary, serveArguments, log: folder.appendingPathComponent("serve-\(round).log"))
        try await waitForReady(port: port)
    }

    /// SIGKILL, then a `serve` armed to die at failpoint `point` on its `hits`-th pass; returns
    /// once that life ended (what killed it, for the report). Start the next life with
    /// `killAndRestart`.
    func dieAt(_ point: String, hits: Int, round: Int) async throws -> String {
        serve.kill()
        serve = try ChildProcess(binary, serveArguments, log: folder.appendingPathComponent("serve-\(round).log"), environment: ["BATON_FAILPOINTS": "\(point)@\(hits)"])
        let deadline = ContinuousClock.now + .seconds(30)
        while serve.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        guard let status = serve.exitStatus else {
            serve.kill()
            return "\(point) not reached in 30 s; kill -9"
        }
        return "\(point) (exit \(status))"
    }

    /// Stops `serve` gracefully and waits for it, so its store can be opened.
    func stopServe() {
        serve.terminate()
        serve.wait()
    }

    func passed() { keepLogs = false }

    deinit {
        serve.kill()
        broker.terminate()
        if !keepLogs { try? FileManager.default.removeItem(at: folder) } else { print("logs kept in \(folder.path)") }
    }
}
