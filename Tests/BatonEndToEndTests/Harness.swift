import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonServer
import BatonStore
import BatonTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Which store a harness runs on: a SQLite file in its folder, or a database of its own on the
/// test run's PostgreSQL.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A whole Baton on real parts: an embedded Kafka-protocol broker, a SQLite file in a temporary
/// folder (or a PostgreSQL database), the REST API on a free loopback port, and a worker behaving
/// as the test says.
final class Harness: Sendable {
    let broker: EmbeddedBroker
    let app: BatonApplication
    let folder: URL
    let kafka: KafkaConfiguration
    let topics = TopicNames()
    let apiPort: Int
    /// An admin API key, when the test turned authentication on (`api.insecureNoAuth = false`).
    let token: String?
    let runner: Task<Void, any Error>
    let logger: Logger

    static func start(
        worker behaviour: ExampleWorker.Behaviour? = ExampleWorker.exampleBehaviour, definitions: [String] = [], store kind: StoreKind = .sqlite,
        configure: (inout BatonConfiguration) -> Void = { _ in }
    ) async throws -> Harness {
        var logger = Logger(label: "baton.e2e")
        logger.logLevel = .warning
        let broker = try EmbeddedBroker(brokerCount: 1, stablePort: nil, logger: logger)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties)
        var configuration = BatonConfiguration(
            kafka: .init(bootstrapServers: broker.bootstrapServers, groupId: "baton-e2e", properties: EmbeddedBroker.recommendedClientProperties, partitions: 4),
            store: .init(path: folder.appendingPathComponent("baton.sqlite").path),
            // Authentication is tested on its own (AuthenticationEndToEndTests); the rest call the API bare.
            api: .init(host: "127.0.0.1", port: 0, insecureNoAuth: true)
        )
        if kind == .postgres { configuration.store.postgres = try await PostgresTestServer.shared.makeDatabase() }
        configuration.kafka.createTopics = true
        configuration.kafka.maxMessageBytes = 64 * 1024
        configure(&configuration)
        // A test that turns authentication on gets an admin key, made on the store before Baton
        // starts (as `baton keys create` would); `http` sends it.
        var token: String?
        if !configuration.api.insecureNoAuth {
            let location: StoreLocation = configuration.store.postgres.map { .postgres($0) } ?? .sqlite(path: configuration.store.path)
            token = try await APIKeyCommands(location: location, logger: logger).issueDevelopmentKey(name: "e2e-admin").token
        }
        let port = Locked<Int?>(nil)
        let app = try await buildApplication(
            configuration, provisioner: EmbeddedTopicProvisioner(broker: broker, partitions: 4),
            apiStarted: { p in port.withLock { $0 = p } }, logger: logger
        )
        for text in definitions { _ = try await app.orchestrator.registerDefinition(text: text) }
        // The worker subscribes by pattern; created once the task topics exist, its first group
        // join gets their partitions. Created before, it joins with nothing and must notice the
        // topics on a metadata refresh and rejoin, which on the embedded broker can take tens of
        // seconds when the machine is busy.
        var extra: [any Service] = []
        var worker: ExampleWorker?
        if let behaviour {
            worker = try ExampleWorker(kafka: kafka, topics: TopicNames(), groupId: "e2e-worker", behaviour: behaviour, logger: logger)
            extra.append(worker!)
        }
        let runner = Task { try await app.run(extraServices: extra, signals: []) }
        // Ready means: Baton's consumers joined, the API listens, and the worker has its partitions
        // (group joins take seconds on the mock; a test must not race them). While the unit suites
        // run beside the end-to-end ones on two cores, a join once took over 30 s.
        let deadline = ContinuousClock.now + .seconds(60)
        while await app.service.notReadyReason() != nil || port.withLock({ $0 }) == nil || !(worker?.isReady ?? true) {
            if ContinuousClock.now > deadline {
                let reasons = [
                    await app.service.notReadyReason(), port.withLock({ $0 }) == nil ? "the API is not listening" : nil,
                    worker?.isReady == false ? "the test worker has no partitions" : nil,
                ].compactMap { $0 }
                throw HarnessError("Baton did not become ready within 60 s: \(reasons.joined(separator: "; "))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Harness(broker: broker, app: app, folder: folder, kafka: kafka, apiPort: port.withLock { $0 }!, token: token, runner: runner, logger: logger)
    }

    private init(
        broker: EmbeddedBroker, app: BatonApplication, folder: URL, kafka: KafkaConfiguration, apiPort: Int, token: String?, runner: Task<Void, any Error>, logger: Logger
    ) {
        self.token = token
        self.broker = broker
        self.app = app
        self.folder = folder
        self.kafka = kafka
        self.apiPort = apiPort
        self.runner = runner
        self.logger = logger
    }

    func stop() async {
        runner.cancel()
        _ = try? await runner.value
        await app.store.close()
        if let database = app.configuration.store.postgres { await PostgresTestServer.shared.dropDatabase(database) }
        teardownStep("embedded broker shutdown") { broker.shutdown() }
        try? FileManager.default.removeItem(at: folder)
    }

    var orchestrator: Orchestrator { app.orchestrator }
    var service: WorkflowAPIService { app.service }

    /// Polls until the instance is terminal.
    func waitForEnd(_ id: String, timeout: Duration = .seconds(20)) async throws -> WorkflowInstance {
        let deadline = ContinuousClock.now + timeout
        while true {
            let instance = try await service.instance(id: id)
            if instance.status.isTerminal { return instance }
            if ContinuousClock.now > deadline { throw HarnessError("instance \(id) still \(instance.status.rawValue) after \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            if ContinuousClock.now > deadline { throw HarnessError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Produces raw records (as a pipeline or a worker would).
    func produce(_ records: [KafkaRecord]) async throws {
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        defer { producer.shutdown() }
        for case .failure(let error) in await producer.send(records) { throw error }
    }

    /// Every message of `topic` from offset 0, reading until `count` arrived (or `settle` passes with nothing new).
    func readAll(_ topic: String, atLeast count: Int = 1, timeout: Duration = .seconds(15)) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(configuration: kafka, options: .init(groupId: "e2e-reader-\(UUID().uuidString)", topics: [topic]), logger: logger)
        defer { consumer.close() }
        let collected = Locked<[KafkaMessage]>([])
        let target = count
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await batch in consumer.batches {
                    let n = collected.withLock { c in
                        c.append(contentsOf: batch)
                        return c.count
                    }
                    if n >= target { return }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw HarnessError("read \(collected.withLock { $0.count }) of at least \(target) messages on \(topic)")
            }
            try await group.next()
            group.cancelAll()
        }
        return collected.withLock { $0 }
    }

    /// A minimal HTTP call to the API.
    func http(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) async throws -> (status: Int, json: JSONValue, headers: [String: String]) {
        try await http(method, path, bytes: body.map { Array($0.utf8) }, headers: headers)
    }

    /// The same with a raw body (for bytes that are not UTF-8).
    func http(_ method: String, _ path: String, bytes body: [UInt8]?, headers: [String: String] = [:]) async throws -> (status: Int, json: JSONValue, headers: [String: String]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(apiPort)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var responseHeaders: [String: String] = [:]
        for (k, v) in http.allHeaderFields { responseHeaders[String(describing: k).lowercased()] = String(describing: v) }
        let json = data.isEmpty ? JSONValue.null : ((try? JSONValue.parse(Array(data))) ?? .string(String(decoding: data, as: UTF8.self)))
        return (http.statusCode, json, responseHeaders)
    }
}

/// Runs `body` against a fresh Harness and always stops it, even when the body throws.
func withHarness(
    worker: ExampleWorker.Behaviour? = ExampleWorker.exampleBehaviour, definitions: [String] = sharedDefinitions, store: StoreKind = .sqlite,
    configure: (inout BatonConfiguration) -> Void = { _ in },
    _ body: (Harness) async throws -> Void
) async throws {
    let h = try await Harness.start(worker: worker, definitions: definitions, store: store, configure: configure)
    do {
        try await body(h)
    } catch {
        await h.stop()
        throw error
    }
    await h.stop()
}

/// A value behind a lock that closures can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs the contract validator (python3 + jsonschema) over messages, one JSON document per line.
func validateAgainstSchema(_ schema: String, values: [[UInt8]]) throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let lines = values.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
    let (status, report) = try runFeeding(
        "/usr/bin/env", ["python3", root.appendingPathComponent("Tests/Support/validate_json.py").path, root.appendingPathComponent("schemas/\(schema)").path, "-"],
        input: lines
    )
    if status != 0 { throw HarnessError("messages violate \(schema):\n\(report)") }
}

/// Runs `executable` with `input` on its standard input; its exit status and what it printed
/// (standard output and error together).
func runFeeding(_ executable: String, _ arguments: [String], input text: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, said)
}

let sharedDefinitions = [
    """
    id: greet
    steps:
      - id: compose
        type: task
        taskType: greeting.compose
        input: { name: "${ $.input.name }" }
        next: shout
      - id: shout
        type: task
        taskType: text.upper
        input: { text: "${ $.steps.compose.output.message }" }
    output:
      message: "${ $.steps.shout.output.echo.text }"
    """,
    """
    id: orders
    triggers:
      - type: com.example.order.created
        filter: "$.data.quantity > 0"
        input: { order: "${ $.data }" }
    steps:
      - id: reserve
        type: task
        taskType: inventory.reserve
        input: { sku: "${ $.input.order.sku }", quantity: "${ $.input.order.quantity }" }
        next:
          - when: "$.steps.reserve.output.available"
            goto: charge
          - goto: backorder
      - id: charge
        type: task
        taskType: payment.charge
        input: { amount: "${ $.input.order.amount }" }
      - id: backorder
        type: fail
        error: { code: OUT_OF_STOCK, message: "sku ${ $.input.order.sku } is out of stock" }
    output:
      receipt: "${ $.steps.charge.output.receipt }"
    """,
]

extension KafkaProducer {
    /// Sends `records`, sending again whatever fails retriably, as a well-behaved pipeline does;
    /// throws the first failure that is not retriable, or one still failing after `timeout`.
    func sendUntilDelivered(_ records: [KafkaRecord], timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        if let (_, error) = await sendUntilSettled(records, keepTrying: { ContinuousClock.now < deadline }).first { throw error }
    }
}
