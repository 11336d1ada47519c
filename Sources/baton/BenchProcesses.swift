import ArgumentParser
import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Synchronization

/// `baton bench --store postgres://… --processes 1,2,3`: the sustained step rate of several
/// `baton serve` processes sharing one PostgreSQL database and one consumer group, and how often
/// their commits met each other (stale refusals, each decided again). The broker stays in this
/// process; each `serve` is a child process of this binary, so the figure includes every real
/// hop: Kafka consumer groups, the database's compare-and-set and the outbox shard leases.
extension BenchCommand {
    /// Each count on a broker of its own: the embedded broker ages with the data it has carried
    /// (see README, Performance), and phases sharing one made every later phase look slower — 3
    /// processes ran at 0.62–0.65 × one process after the 1- and 2-process phases, 0.9 × alone.
    func runProcesses(counts: [Int], properties: [String: String], storeURL: String, payload: JSONValue, logger: Logger) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-bench-processes-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var firstRate: Double?
        for (phase, count) in counts.enumerated() {
            let result = try await measureProcesses(count, phase: phase, properties: properties, storeURL: storeURL, payload: payload, folder: folder, logger: logger)
            if firstRate == nil { firstRate = result.rate }
            print(String(
                format: "processes %d × baton serve on one PostgreSQL: %.0f task steps/s sustained for %.1f s with %d workflows in flight (%.2f × the first count); stale refusals %@ (decided again), messages %@",
                count, result.rate, result.seconds, workflows, result.rate / (firstRate ?? result.rate), result.refusals.map(String.init).joined(separator: " + ") as NSString,
                result.processed.map(String.init).joined(separator: " + ") as NSString))
        }
        print("steps are task requests the worker received in the window; each count runs on a new broker; every process shares the 2 cores with PostgreSQL, the broker and the worker")
    }

    private func measureProcesses(
        _ count: Int, phase: Int, properties: [String: String], storeURL: String, payload: JSONValue, folder: URL, logger: Logger
    ) async throws -> (rate: Double, seconds: Double, refusals: [Int], processed: [Int]) {
        let rig = try await BenchRig.start(self, processes: count, properties: properties, storeURL: storeURL, folder: folder, logger: logger)
        let (rate, seconds): (Double, Double)
        do {
            if phase == 0 { try await rig.children[0].post("/v1/definitions", yaml: benchDefinition(steps: steps)) }
            try await rig.waitForDefinitions(["bench"], settle: .seconds(5))
            (rate, seconds) = try await sustainedWindow(tasks: rig.tasks, producer: rig.producer, payload: payload, prefix: "p\(phase)")
        } catch {
            await rig.stop()
            throw error
        }
        // The counters come from the summary each child logs as it stops.
        await rig.stop()
        return (rate, seconds, rig.children.map { $0.counter("commitsRefusedStale") }, rig.children.map { $0.counter("messagesProcessed") })
    }

    /// Keeps `workflows` bench workflows in flight for `sustainedSeconds` (a new one for each that
    /// ends, as the worker sees them), then lets the last ones finish so the next phase starts
    /// from a quiet database; returns the rate of task requests over the window.
    func sustainedWindow(tasks: TaskCounter, producer: KafkaProducer, payload: JSONValue, prefix: String) async throws -> (rate: Double, seconds: Double) {
        let (firstTotal, firstFinished) = (tasks.total, tasks.finished)
        var started = 0
        let start = ContinuousClock.now
        let end = start + .seconds(sustainedSeconds)
        while ContinuousClock.now < end {
            let due = workflows + (tasks.finished - firstFinished) - started
            if due > 0 {
                try await publishTriggers(count: due, prefix: "\(prefix)-\(started)", producer: producer, payload: payload)
                started += due
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let seconds = (ContinuousClock.now - start).benchSeconds
        let rate = Double(tasks.total - firstTotal) / seconds
        let drained = ContinuousClock.now + .seconds(60)
        while tasks.finished - firstFinished < started, ContinuousClock.now < drained { try await Task.sleep(for: .milliseconds(20)) }
        return (rate, seconds)
    }

    /// How many task requests the worker received, and how many were a workflow's last step.
    final class TaskCounter: Sendable {
        let finalStep: String
        private let counts = Mutex((total: 0, finished: 0))

        init(finalStep: String) { self.finalStep = finalStep }

        func received(_ task: TaskDispatch) {
            counts.withLock {
                $0.total += 1
                if task.stepId == finalStep { $0.finished += 1 }
            }
        }

        var total: Int { counts.withLock { $0.total } }
        var finished: Int { counts.withLock { $0.finished } }
    }
}

/// One `baton serve` child of the bench, logging at `notice` so it prints its counters as it stops.
final class ServeChild: Sendable {
    let port: Int
    let log: URL
    private let process: Process

    init(index: Int, count: Int, bootstrap: String, store: String, properties: [String: String], folder: URL, extraArguments: [String] = []) throws {
        port = try Self.freePort()
        log = folder.appendingPathComponent("serve-\(count)-\(index + 1).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var arguments = ["serve", "--insecure-no-auth", "--bootstrap-servers", bootstrap, "--store", store, "--api-port", String(port), "--create-topics", "false"]
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) { arguments += ["--kafka-property", "\(key)=\(value)"] }
        process.arguments = arguments + extraArguments
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_LOG_LEVEL"] = "notice"
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process = process
    }

    func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await status("/readyz") != 200 {
            guard process.isRunning else { throw ValidationError("baton serve exited at start-up; see \(log.path)") }
            if ContinuousClock.now > deadline { throw ValidationError("baton serve was not ready in 60 s; see \(log.path)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func waitForDefinition(_ id: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await status("/v1/definitions/\(id)") != 200 {
            if ContinuousClock.now > deadline { throw ValidationError("definition '\(id)' unknown to the process on port \(port) after 10 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func post(_ path: String, yaml: String) async throws {
        let response = try await APIClient(base: "http://127.0.0.1:\(port)").send("POST", path, body: Data(yaml.utf8), contentType: "application/yaml")
        guard (200..<300).contains(response.status) else { throw ValidationError("POST \(path): \(response.status) \(response.text)") }
    }

    private func status(_ path: String) async throws -> Int {
        (try? await APIClient(base: "http://127.0.0.1:\(port)").send("GET", path).status) ?? 0
    }

    /// SIGTERM and wait (up to 30 s, then SIGKILL). Idempotent.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Resident and peak resident memory of the child, in MB (Linux `/proc/PID/status`).
    func memory() -> (rss: Double, peak: Double) {
        BenchCommand.memory(of: "/proc/\(process.processIdentifier)/status")
    }

    /// `name=value` from the summary this process logged as it stopped; -1 when absent.
    func counter(_ name: String) -> Int {
        guard let text = try? String(contentsOf: log, encoding: .utf8),
            let line = text.split(separator: "\n").last(where: { $0.contains("stopped") }),
            let range = line.range(of: "\(name)=")
        else { return -1 }
        return Int(line[range.upperBound...].prefix { $0.isNumber }) ?? -1
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ValidationError("no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
