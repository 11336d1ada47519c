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
///
/// A test that restarts or disrupts the server (the scale-out chaos test) makes a server of its
/// own with `PostgresTestServer()`, so the tests sharing `shared` never see it.
public actor PostgresTestServer {
    public static let shared = PostgresTestServer()

    /// Where a started server lives, for `restartImmediately`.
    private struct Started {
        var port: Int
        var directory: String
        var binaries: String
        var admin: PostgresClient
    }

    private var starting: Task<Started, any Error>?
    private var admin: PostgresClient?
    private var counter = 0

    public init() {}

    /// A new, empty database on the shared server.
    public func makeDatabase() async throws -> PostgresStore.Configuration {
        let started = try await start()
        let (port, admin) = (started.port, started.admin)
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

    /// The server's port, starting it if needed.
    public func port() async throws -> Int { try await start().port }

    /// `pg_ctl restart -m immediate`: every backend is killed without a checkpoint (as in a crash
    /// of the database host) and the server recovers from its WAL; returns once it accepts
    /// connections again.
    public func restartImmediately() async throws {
        let started = try await start()
        let asPostgres = getuid() == 0 ? "runuser -u postgres -- " : ""
        let command = "\(asPostgres)\"$0/pg_ctl\" -D \"$1/data\" -l \"$1/server.log\" -m immediate -w -t 60 restart"
        let status = try await Self.run(["/bin/bash", "-c", command, started.binaries, started.directory], output: "/dev/null", errors: "/dev/null")
        guard status == 0 else { throw PostgresTestServerError(message: "pg_ctl restart exited with \(status); see \(started.directory)/server.log") }
    }

    /// `pg_terminate_backend` of every connection to `database`, as an operator or a failover
    /// would; returns how many were ended.
    @discardableResult
    public func terminateConnections(to database: String) async throws -> Int {
        let started = try await start()
        let rows = try await started.admin.query(
            "SELECT count(*)::int FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND pid <> pg_backend_pid()) AS ended")
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// Starts the server once; concurrent first callers wait for the same start.
    private func start() async throws -> Started {
        if starting == nil {
            starting = Task {
                let (port, directory, binaries) = try await Self.runScript()
                var logger = Logger(label: "baton.test.postgres")
                logger.logLevel = .critical
                let admin = PostgresClient(
                    configuration: .init(host: "127.0.0.1", port: port, username: "baton", password: nil, database: "postgres", tls: .disable),
                    backgroundLogger: logger)
                // Runs for the life of the test process, like the server.
                Task.detached { await admin.run() }
                return Started(port: port, directory: directory, binaries: binaries, admin: admin)
            }
        }
        let started = try await starting!.value
        admin = started.admin
        return started
    }

    /// Runs the script and returns what it printed: the port, the server's directory and its
    /// binaries. Its output goes to files, read once it has exited (a pipe would stay open as long
    /// as anything it started holds it).
    private static func runScript() async throws -> (port: Int, directory: String, binaries: String) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/postgres-server.sh").path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-pg-start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputPath = folder.appendingPathComponent("out").path
        let errorPath = folder.appendingPathComponent("err").path
        let status = try await run(["/bin/bash", "-c", "exec bash \"$0\" \"$1\"", script, "\(getpid())"], output: outputPath, errors: errorPath)
        let printed = ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard status == 0, printed.count == 3, let port = Int(printed[0]) else {
            let complaint = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw PostgresTestServerError(message: "postgres-server.sh exited with \(status): \(complaint)")
        }
        return (port, printed[1], printed[2])
    }

    /// Runs `arguments` (argv[0] is the executable) with stdin from /dev/null and its output in
    /// files, and returns its exit status; spawned and awaited on a thread of its own.
    private static func run(_ arguments: [String], output: String, errors: String) async throws -> Int32 {
        let redirected = ["/bin/bash", "-c", "exec \"${@:2}\" >\"$0\" 2>\"$1\" </dev/null", output, errors] + arguments
        return try await withCheckedThrowingContinuation { continuation in
            // posix_spawn and a blocking waitpid on a thread of their own.
            Thread.detachNewThread {
                var pid: pid_t = 0
                var argv: [UnsafeMutablePointer<CChar>?] = redirected.map { strdup($0) } + [nil]
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
    }
}

public struct PostgresTestServerError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
