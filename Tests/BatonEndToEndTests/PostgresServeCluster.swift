import BatonStorePostgres
import BatonTestSupport
import Foundation
import Testing

/// `baton dev-broker` and several `baton serve` processes on one PostgreSQL database of a server
/// the cluster starts for itself (restarting it must not disturb the tests sharing
/// `PostgresTestServer.shared`), for the test that kills, pauses and disconnects them.
final class PostgresServeCluster: @unchecked Sendable {
    let binary: String
    let folder: URL
    let bootstrap: String
    let server = PostgresTestServer()
    let database: PostgresStore.Configuration
    /// Each process's API port; the same port across its lives.
    let ports: [Int]
    private(set) var serves: [ChildProcess]
    private var lives: [Int]
    private var keepLogs = true

    init(name: String, processes: Int, partitions: Int, taskType: String) async throws {
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
        database = try await server.makeDatabase()
        ports = try (0..<processes).map { _ in try freePort() }
        serves = []
        lives = Array(repeating: 1, count: processes)
        for index in 0..<processes {
            serves.append(try ChildProcess(binary, arguments(index), log: log(index, life: 1), environment: Self.environment))
        }
        for port in ports { try await waitForReady(port: port) }
    }

    let broker: ChildProcess

    /// `notice`: each process logs what it did as it stops (see `BatonApplication.logSummary`).
    static let environment = ["BATON_LOG_LEVEL": "notice"]

    var storeURL: String {
        "postgres://\(database.username)@\(database.host):\(database.port)/\(database.database)?sslmode=disable&pool=8"
    }

    private func arguments(_ index: Int) -> [String] {
        [
            "serve", "--insecure-no-auth", "--bootstrap-servers", bootstrap, "--store", storeURL, "--api-port", String(ports[index]), "--create-topics", "false",
            "--kafka-property", "fetch.wait.max.ms=5", "--kafka-property", "session.timeout.ms=6000",
            "--kafka-property", "heartbeat.interval.ms=500", "--exit-on-stdin-close",
        ]
    }

    private func log(_ index: Int, life: Int) -> URL {
        folder.appendingPathComponent("serve-\(index + 1)-life-\(life).log")
    }

    /// SIGKILL (no LeaveGroup, no lease given back, no final commit), then a new life of the same
    /// process; returns once it answers `/readyz`.
    func killAndRestart(_ index: Int) async throws {
        serves[index].kill()
        lives[index] += 1
        serves[index] = try ChildProcess(binary, arguments(index), log: log(index, life: lives[index]), environment: Self.environment)
        try await waitForReady(port: ports[index])
    }

    /// SIGSTOP for `duration`, then SIGCONT: past the group's session timeout and the outbox
    /// leases the process wakes as a zombie, its partitions and shards long given to the others.
    func pause(_ index: Int, for duration: Duration) async throws {
        Glibc.kill(serves[index].process.processIdentifier, SIGSTOP)
        try await Task.sleep(for: duration)
        Glibc.kill(serves[index].process.processIdentifier, SIGCONT)
    }

    /// SIGTERM to every process, then waits for each (each logs its summary as it stops) up to
    /// `grace`; a process still running then is killed, and its number returned, so a hang
    /// fails the test with a name instead of blocking it.
    func stopAll(grace: Duration = .seconds(30)) async -> [Int] {
        for serve in serves { serve.terminate() }
        let deadline = ContinuousClock.now + grace
        while serves.contains(where: \.isRunning), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        let hung = serves.indices.filter { serves[$0].isRunning }
        for index in hung { serves[index].kill() }
        for serve in serves { serve.wait() }
        return hung.map { $0 + 1 }
    }

    /// The line of `broker.log` with librdkafka 2.0.2's mock-cluster assertion when the embedded
    /// broker has died of it; nil while it runs, or when it died of anything else.
    ///
    /// The mock names a group member after the address of its allocation (`"%p"`), so once a
    /// member's session expires and it is freed, a member that joins later can get the same
    /// name; when a client still holding that name (a process woken from SIGSTOP, or one whose
    /// poll thread waited out a store outage) joins while the new member's JoinGroup is held,
    /// `rd_kafka_mock_cgrp_member_add` asserts and the whole broker process aborts. Real Kafka
    /// names members with a client id and a UUID. Reproduced without Baton by
    /// `.ci/known-defects/librdkafka-mock-member-id-reuse.py`; unfixed in librdkafka's main branch.
    var brokerAbortedByKnownMockDefect: String? {
        guard !broker.isRunning else { return nil }
        let log = (try? String(contentsOf: folder.appendingPathComponent("broker.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").first { $0.contains(Self.knownMockDefect) }.map(String.init)
    }

    static let knownMockDefect = "rd_kafka_mock_cgrp_member_add: Assertion `!member->resp' failed"

    /// The last life's log of process `index`.
    func currentLog(_ index: Int) -> String {
        (try? String(contentsOf: log(index, life: lives[index]), encoding: .utf8)) ?? ""
    }

    func passed() { keepLogs = false }

    deinit {
        for serve in serves { serve.kill() }
        broker.terminate()
        if !keepLogs { try? FileManager.default.removeItem(at: folder) } else { print("logs kept in \(folder.path)") }
    }
}
