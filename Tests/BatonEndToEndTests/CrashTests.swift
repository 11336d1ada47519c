import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import BatonStore
import BatonStoreSQLite
import Foundation
import Logging
import ServiceLifecycle
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension EndToEnd {
    /// `baton dev-broker` in one process, `baton serve` in another, a worker in this one; the
    /// orchestrator is killed with SIGKILL twice mid-run and restarted. Every workflow must complete
    /// and no task result may be applied twice.
    @Suite("Crash recovery", .serialized, .timeLimit(.minutes(5)))
    struct CrashTests {
        static let workflows = 1000
        static let steps = 5

        @Test func killingTheOrchestratorTwiceLosesNoWorkflowAndAppliesNoResultTwice() async throws {
            let cluster = try await ServeCluster(name: "crash", partitions: 8, taskType: "crash.work")
            let port = cluster.port
            let bootstrap = cluster.bootstrap

            var definition = "id: crash\ntriggers:\n  - type: crash.start\nsteps:\n"
            for i in 1...Self.steps {
                definition += "  - id: s\(i)\n    type: task\n    taskType: crash.work\n    input: { n: \(i), order: \"${ $.input.order }\" }\n"
                if i < Self.steps { definition += "    next: s\(i + 1)\n" }
            }
            let registered = try await http("POST", port: port, "/v1/definitions", body: definition, contentType: "application/yaml")
            #expect(registered.status == 201)

            var logger = Logger(label: "crash-test")
            logger.logLevel = .error
            let kafka = KafkaConfiguration(bootstrapServers: bootstrap, properties: ["fetch.wait.max.ms": "5", "session.timeout.ms": "6000"])
            let worker = try ExampleWorker(kafka: kafka, topics: TopicNames(), groupId: "crash-worker", behaviour: ExampleWorker.echoBehaviour, logger: logger)
            let workerTask = Task { try await worker.run() }
            defer { workerTask.cancel() }

            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            defer { producer.shutdown() }
            let events = (0..<Self.workflows).map { i in
                let event = CloudEvent(id: "order-\(i)", source: "crash-test", type: "crash.start", data: ["order": .number(Double(i))])
                let wire = CloudEventCodec.encodeStructured(event, topic: TopicNames().triggers, key: Array("order-\(i)".utf8))
                return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
            }
            for case .failure(let error) in await producer.send(events) { throw error }

            // Kill the orchestrator twice while it works (workflows in flight), restarting it each time.
            for round in 2...3 {
                // Workflows advance in lockstep, so completions come in a burst at the end: kill on
                // time instead, a short random while into this process's run, and check it is mid-run.
                try await Task.sleep(for: .milliseconds(Int.random(in: 150...500)))
                // A freshly (re)started process may not have consumed its first batch yet: wait
                // for work in progress rather than kill an idle process.
                var running = try await countInstances(port: port, status: "RUNNING")
                let busy = ContinuousClock.now + .seconds(30)
                while running == 0 && ContinuousClock.now < busy {
                    try await Task.sleep(for: .milliseconds(50))
                    running = try await countInstances(port: port, status: "RUNNING")
                }
                let done = try await countInstances(port: port, status: "COMPLETED")
                #expect(running > 0 && done < Self.workflows, "the kill must hit a run in progress")
                print("crash test: kill -9 with \(running) workflows running, \(done) completed")
                try await cluster.killAndRestart(round: round)
            }

            let deadline = ContinuousClock.now + .seconds(150)
            var completed = 0
            while completed < Self.workflows {
                #expect(ContinuousClock.now < deadline, "only \(completed) of \(Self.workflows) workflows completed")
                if ContinuousClock.now > deadline { break }
                try await Task.sleep(for: .milliseconds(250))
                completed = try await countInstances(port: port, status: "COMPLETED")
            }
            cluster.stopServe()

            // Read the store directly: every instance completed, every attempt's result applied once.
            let check = try await SQLiteStore.open(.init(path: cluster.store))
            var instances: [WorkflowInstance] = []
            var cursor: String?
            repeat {
                let page = try await check.instances(InstanceQuery(workflowId: "crash", cursor: cursor, limit: 1000))
                instances += page.instances
                cursor = page.nextCursor
            } while cursor != nil
            #expect(instances.count == Self.workflows)
            #expect(instances.allSatisfy { $0.status == .completed })
            var doubleApplied = 0
            var ignored = 0
            for instance in instances {
                let history = try await check.history(instanceId: instance.id, afterSequence: 0, limit: 10_000)
                let applied = history.filter { $0.type == .taskCompleted }
                if applied.count != Self.steps || Set(applied.compactMap(\.taskId)).count != Self.steps { doubleApplied += 1 }
                ignored += history.filter { $0.type == .inputIgnored }.count
                #expect(history.map(\.sequence) == Array(1...history.count))
            }
            #expect(doubleApplied == 0)
            let executions = try await check.stepExecutions(instanceId: instances[0].id)
            #expect(executions.count == Self.steps)
            await check.close()
            cluster.passed()
            print("crash test: \(instances.count) workflows completed, \(doubleApplied) with a result applied twice, \(ignored) redelivered inputs ignored")
        }
    }
}

// MARK: Process and HTTP helpers

func packageRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// A child process whose output goes to a log file.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    /// Held open for the child's life: if this test process dies, the pipe closes and the child
    /// (started with --exit-on-stdin-close) exits instead of lingering.
    let stdin = Pipe()

    init(_ executable: String, _ arguments: [String], log: URL, environment extra: [String: String] = [:]) throws {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = stdin
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_LOG_LEVEL"] = "warning"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        try process.run()
    }

    /// SIGKILL: no cleanup, no LeaveGroup, no final commit. Idempotent.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        if process.isRunning { process.terminate() }
    }

    func wait() { process.waitUntilExit() }

    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
}

func waitForFile(_ path: String, timeout: Duration = .seconds(20)) async throws -> String {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty { return String(decoding: data, as: UTF8.self) }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw HarnessError("\(path) did not appear")
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw HarnessError("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

func http(
    _ method: String, port: Int, _ path: String, body: String? = nil, contentType: String = "application/json", headers: [String: String] = [:]
) async throws -> (status: Int, json: JSONValue) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.timeoutInterval = 10
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let body {
        request.httpBody = Data(body.utf8)
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as! HTTPURLResponse).statusCode, (try? JSONValue.parse(Array(data))) ?? .null)
}

func waitForReady(port: Int, timeout: Duration = .seconds(60)) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let ready = try? await http("GET", port: port, "/readyz"), ready.status == 200 { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw HarnessError("baton serve on port \(port) did not become ready")
}

func countInstances(port: Int, status: String) async throws -> Int {
    var count = 0
    var cursor: String?
    repeat {
        var path = "/v1/instances?status=\(status)&limit=1000"
        if let cursor { path += "&cursor=\(cursor)" }
        let page = try await http("GET", port: port, path)
        count += page.json["items"]?.arrayValue?.count ?? 0
        cursor = page.json["nextCursor"]?.stringValue
    } while cursor != nil
    return count
}
