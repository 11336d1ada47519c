import BatonStorePostgres
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PostgresNIO

/// Test support (a library target the test targets share; not shipped in the `baton` product).
///
/// One real PostgreSQL for the whole test process, started on first use by
/// `Tests/Support/postgres-server.sh` on 127.0.0.1 and stopped by that script's watchdog when the
/// test process ends. Each test gets a database of its own (`makeDatabase`), so tests never see
/// each other's rows and can run in parallel.
public actor PostgresTestServer {
    public static let shared = PostgresTestServer()

    private var starting: Task<(port: Int, admin: PostgresClient), any Error>?
    private var admin: PostgresClient?
    private var counter = 0

    /// A new, empty database on the shared server.
    public func makeDatabase() async throws -> PostgresStore.Configuration {
        let (port, admin) = try await start()
        counter += 1
        let name = "baton_test_\(ProcessInfo.processInfo.processIdentifier)_\(counter)"
        try await admin.query("CREATE DATABASE \(unescaped: name)")
        return PostgresStore.Configuration(host: "127.0.0.1", port: port, username: "baton", database: name, tls: .disable, maxConnections: 4)
    }

    /// Drops a database made by `makeDatabase`, closing whatever connections are left in it.
    public func dropDatabase(_ configuration: PostgresStore.Configuration) async {
        guard let admin else { return }
        _ = try? await admin.query("DROP DATABASE IF EXISTS \(unescaped: configuration.database) WITH (FORCE)")
    }

    /// Starts the server once; concurrent first callers wait for the same start.
    private func start() async throws -> (port: Int, admin: PostgresClient) {
        if starting == nil {
            starting = Task {
                let port = try await Self.runScript()
                var logger = Logger(label: "baton.test.postgres")
                logger.logLevel = .critical
                let admin = PostgresClient(
                    configuration: .init(host: "127.0.0.1", port: port, username: "baton", password: nil, database: "postgres", tls: .disable),
                    backgroundLogger: logger)
                // Runs for the life of the test process, like the server.
                Task.detached { await admin.run() }
                return (port, admin)
            }
        }
        let started = try await starting!.value
        admin = started.admin
        return started
    }

    /// Runs the script and returns the port it printed. Its output goes to files, read once it
    /// has exited (a pipe would stay open as long as anything it started holds it).
    private static func runScript() async throws -> Int {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/postgres-server.sh").path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-pg-start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputPath = folder.appendingPathComponent("out").path
        let errorPath = folder.appendingPathComponent("err").path
        let arguments = ["/bin/bash", "-c", "exec bash \"$0\" \"$1\" >\"$2\" 2>\"$3\" </dev/null", script, "\(getpid())", outputPath, errorPath]
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            // posix_spawn and a blocking waitpid on a thread of their own.
            Thread.detachNewThread {
                var pid: pid_t = 0
                var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
                defer { for pointer in argv { free(pointer) } }
                let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ)
                guard spawned == 0 else {
                    continuation.resume(throwing: PostgresTestServerError(message: "cannot start bash: errno \(spawned)"))
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                // Exited normally: the exit code; otherwise report the raw status.
                continuation.resume(returning: (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
        }
        let printed = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0, let port = Int(printed.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            let complaint = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw PostgresTestServerError(message: "postgres-server.sh exited with \(status): \(complaint)")
        }
        return port
    }
}

public struct PostgresTestServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
