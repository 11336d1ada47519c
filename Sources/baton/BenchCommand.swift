import ArgumentParser
import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonServer
import BatonStoreSQLite
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `make bench`: Baton's throughput and latency next to a raw librdkafka forwarder measured in the
/// same run, on the same broker and message sizes, so the ratio shows the cost of the engine and
/// the store whatever the machine's speed. The baseline is the best the raw component does (a
/// pipelined forwarder, `BenchBaselines.swift`), or the ratio would flatter Baton.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure throughput and latency against the embedded broker.")

    @Option(help: "Concurrent workflows in the throughput run.")
    var workflows: Int = 1000

    @Option(help: "Task steps per workflow.")
    var steps: Int = 5

    @Option(name: .customLong("serial-workflows"), help: "Workflows run one at a time for the serial latency.")
    var serialWorkflows: Int = 40

    @Option(name: .customLong("sustained-seconds"), help: "Duration of the sustained throughput run (the concurrent workflows kept in flight).")
    var sustainedSeconds: Double = 10

    @Option(name: .customLong("half-load-seconds"), help: "Duration of the half-load latency run.")
    var halfLoadSeconds: Double = 5

    @Option(name: .customLong("half-load-rate"), help: "Task steps/s of the young-store latency run: half of the 5,000 steps/s target.")
    var halfLoadStepsPerSecond: Double = 2500

    @Option(name: .customLong("baseline-messages"), help: "Messages the pipelined baseline forwarder forwards.")
    var baselineMessages: Int = 200_000

    @Option(help: "SQLite durability: full or normal.")
    var synchronous: String = "full"

    /// 4, not more: the embedded broker (librdkafka's mock) finds a fetch's offset by walking the
    /// partition's message sets from the oldest, so over a sustained run its own CPU grows with
    /// partitions × log length and takes the two cores from Baton. Measured at half the sustained
    /// load after 10 s: p99 22–24 ms with 4 partitions, 32–45 ms with 8, 72 ms with 16. Baton
    /// decides one batch at a time whatever the partition count, so fewer partitions cost it nothing.
    @Option(help: "Partitions of every topic.")
    var partitions: Int = 4

    @Option(help: "SQLite file to use and keep (default: a temporary one, removed afterwards), or a postgres:// URL of an empty database. Reusing a store from an earlier run measures a grown store behind a fresh broker.")
    var store: String?

    @Option(name: .customLong("kafka-property"), help: "A librdkafka property for every client, key=value (repeatable).")
    var kafkaProperties: [String] = []

    @Option(
        help: "Instead of the usual phases: park this many instances on a 24 h wait (comma-separated counts, cumulative, e.g. 1000,1000000) and measure RSS and the step rate on top of each (make bench-waiting).",
        transform: { text in
            try text.split(separator: ",").map { part in
                guard let count = Int(part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")), count > 0 else {
                    throw ValidationError("--waiting takes positive counts separated by commas, e.g. 1000,1000000; got '\(part)'")
                }
                return count
            }
        })
    var waiting: [Int] = []

    @Option(
        help: "Instead of the usual phases: the sustained step rate of this many baton serve processes on the --store PostgreSQL database (comma-separated, e.g. 1,2,3).",
        transform: { text in
            try text.split(separator: ",").map { part in
                guard let count = Int(part.trimmingCharacters(in: .whitespaces)), (1...8).contains(count) else {
                    throw ValidationError("--processes takes counts from 1 to 8 separated by commas, e.g. 1,2,3; got '\(part)'")
                }
                return count
            }
        })
    var processes: [Int] = []

    @Option(name: .customLong("instance-cache-mb"), help: "Memory for running instances kept between steps, in MiB, as baton serve's option (default 128).")
    var instanceCacheMiB: Int = 128

    @Option(
        name: .customLong("otlp-endpoint"),
        help: "Export workflow and step spans to this OTLP/HTTP URL, as baton serve's option (a port nothing listens on measures making and encoding them; they are then dropped).",
        transform: { text in
            switch OTLPEndpoint.parse(text) {
            case .success(let endpoint): return endpoint
            case .failure(let error): throw ValidationError("--otlp-endpoint: \(error)")
            }
        })
    var otlpEndpoint: OTLPEndpoint?

    func run() async throws {
        var logger = Logger(label: "baton.bench")
        logger.logLevel = .warning
        let broker = try EmbeddedBroker(brokerCount: 1, stablePort: nil, logger: logger)
        defer { broker.shutdown() }
        var properties = EmbeddedBroker.recommendedClientProperties
        for pair in kafkaProperties {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--kafka-property takes key=value, got '\(pair)'") }
            properties[parts[0]] = parts[1]
        }
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: properties)
        let payload = samplePayload()

        let storeConfiguration: BatonConfiguration.Store
        do {
            storeConfiguration = try BatonConfiguration.Store(location: store ?? "", synchronous: synchronous == "normal" ? .normal : .full)
        } catch {
            throw ValidationError("--store: \(error.message)")
        }
        if !processes.isEmpty, !waiting.isEmpty {
            guard processes == [1], let postgres = storeConfiguration.postgres, let store else {
                throw ValidationError("--waiting with --processes takes --processes 1 and --store postgres://… of an empty database (the bench counts the instances from outside the serve process)")
            }
            print("baton bench: waiting instances beside one baton serve process, PostgreSQL \(postgres.redactedURL), \(partitions) partitions, 2 cores")
            try await runWaitingServe(counts: waiting, properties: properties, storeURL: store, database: postgres, payload: payload, logger: logger)
            return
        }
        if !processes.isEmpty {
            guard storeConfiguration.postgres != nil, let store else {
                throw ValidationError("--processes needs --store postgres://… of an empty database: only PostgreSQL is shared by several processes")
            }
            print("baton bench: \(processes.map(String.init).joined(separator: ", ")) × baton serve, \(workflows) workflows × \(steps) task steps in flight, PostgreSQL \(storeConfiguration.postgres!.redactedURL), \(partitions) partitions, 2 cores")
            try await runProcesses(counts: processes, properties: properties, storeURL: store, payload: payload, logger: logger)
            return
        }
        let storeName = storeConfiguration.postgres.map { "PostgreSQL \($0.redactedURL)" } ?? "SQLite synchronous=\(synchronous)"
        print("baton bench: \(workflows) workflows × \(steps) task steps, \(storeName), \(partitions) partitions, 2 cores")
        // The waiting run compares Baton with itself (the rate beside few and many waiting
        // instances), so it skips the forwarders.
        var baseline = 1.0
        var lockStep = 1.0
        if waiting.isEmpty {
            baseline = try await measurePipelinedForwarder(broker: broker, kafka: kafka, messages: baselineMessages, payload: payload, logger: logger)
            print(String(format: "baseline  pipelined librdkafka forwarder: %.0f forwards/s (%d messages: consume → produce without waiting, linger.ms 5, idempotent, offsets committed as each batch's reports arrive)", baseline, baselineMessages))
            lockStep = try await measureLockStepForwarder(broker: broker, kafka: kafka, messages: workflows * steps, payload: payload, logger: logger)
            print(String(format: "          lock-step forwarder (waits for each batch's reports and a synchronous commit; the old baseline): %.0f forwards/s", lockStep))
        }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let storePath = store ?? folder.appendingPathComponent("bench.sqlite").path
        if let store, storeConfiguration.postgres == nil, let size = try? FileManager.default.attributesOfItem(atPath: store)[.size] as? Int64 {
            print("store     " + String(format: "%.0f MB", Double(size) / 1_048_576) + " at the start (reused: \(store))")
        }
        let recorder = LatencyRecorder()
        let topics = TopicNames()
        var configuration = BatonConfiguration(
            kafka: .init(bootstrapServers: broker.bootstrapServers, properties: properties, partitions: partitions),
            store: storeConfiguration.postgres == nil ? .init(path: storePath, synchronous: synchronous == "normal" ? .normal : .full) : storeConfiguration,
            api: .init(enabled: false)
        )
        configuration.kafka.createTopics = true
        configuration.instanceCacheBytes = instanceCacheMiB << 20
        configuration.tracing.otlpEndpoint = otlpEndpoint
        let probe = StepLatencyProbe()
        let app = try await buildApplication(configuration, provisioner: EmbeddedTopicProvisioner(broker: broker, partitions: partitions), latencyProbe: probe, logger: logger)
        _ = try await app.orchestrator.registerDefinition(text: benchDefinition(steps: steps))
        // Created once its task topic exists, so its pattern subscription matches at the first join.
        let worker = try ExampleWorker(kafka: kafka, topics: topics, groupId: "bench-worker", behaviour: { task in
            recorder.received(task)
            return ExampleWorker.echoBehaviour(task)
        }, logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run(extraServices: [worker], signals: []) }
            // Group joins take seconds on the mock: measure only once every consumer has its partitions.
            while await app.service.notReadyReason() != nil || !worker.isReady { try await Task.sleep(for: .milliseconds(20)) }
            let triggers = try KafkaProducer(configuration: kafka, logger: logger)
            defer { triggers.shutdown() }

            if !waiting.isEmpty {
                try await runWaiting(app: app, producer: triggers, payload: payload, counts: waiting)
                group.cancelAll()
                return
            }

            // 1. Burst: all workflows started at once.
            recorder.reset()
            probe.reset()
            let before = app.orchestrator.counters
            let start = ContinuousClock.now
            try await publishTriggers(count: workflows, prefix: "tput", producer: triggers, payload: payload)
            try await waitForSteps(app: app, total: workflows * steps)
            let elapsed = (ContinuousClock.now - start).benchSeconds
            let stepsPerSecond = Double(workflows * steps) / elapsed
            let full = recorder.percentiles()
            let fullInside = probe.percentiles()
            print(String(format: "baton     burst (all started at once): %.0f workflows/s, %.0f task steps/s (%.2f s); ratio steps/s ÷ forwards/s = %.3f (lock-step %.3f)", Double(workflows) / elapsed, stepsPerSecond, elapsed, stepsPerSecond / baseline, stepsPerSecond / lockStep))
            print(String(format: "          step latency at full load: p50 %.2f ms, p99 %.2f ms (worker round trip p50 %.2f, p99 %.2f ms)", fullInside.p50, fullInside.p99, full.p50, full.p99))
            let after = app.orchestrator.counters
            let transactions = after.batchesCommitted - before.batchesCommitted
            print(String(
                format: "          where the time went: deciding %.2f s, writing+fsync %.2f s (overlapped) in %d transactions (%.1f results each), offset commits %.2f s, publish %.2f s and mark-sent %.2f s in %d relay rounds",
                after.decideSeconds - before.decideSeconds, after.commitSeconds - before.commitSeconds, transactions, Double(after.resultsApplied - before.resultsApplied) / Double(max(1, transactions)),
                after.offsetCommitSeconds - before.offsetCommitSeconds, after.publishSeconds - before.publishSeconds,
                after.markSentSeconds - before.markSentSeconds, after.relayRounds - before.relayRounds
            ))

            // 2. Latency at half the target load (the same rate in every run, on any machine, so
            // runs compare) on a young store, workflows started at a steady rate.
            try await runHalfLoad(app: app, producer: triggers, payload: payload, recorder: recorder, probe: probe, workflowsPerSecond: halfLoadStepsPerSecond / Double(steps), label: "half the target load")

            // 3. Sustained: `workflows` kept in flight (a new one started as each ends) for a while,
            // so the store grows and the WAL checkpoints as in production, not for one second.
            recorder.reset()
            probe.reset()
            let sustained = try await runSustained(app: app, producer: triggers, payload: payload)
            let sustainedInside = probe.percentiles()
            func megabytes(_ suffix: String) -> Double {
                let path = storePath + suffix
                return Double((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0) / 1_048_576
            }
            print(String(
                format: "          sustained for %.1f s with %d workflows in flight: %.0f task steps/s (%.0f workflows/s); ratio %.3f (lock-step %.3f; aim ≥ 0.1); step latency p50 %.2f ms, p99 %.2f ms; store %.0f MB + %.0f MB log after %d workflows",
                sustained.seconds, workflows, sustained.stepsPerSecond, sustained.stepsPerSecond / Double(steps), sustained.stepsPerSecond / baseline, sustained.stepsPerSecond / lockStep,
                sustainedInside.p50, sustainedInside.p99, megabytes(""), megabytes("-wal"), app.orchestrator.counters.instancesStarted
            ))

            // 3b. Half the sustained load again, on the grown store and the embedded broker's grown logs.
            try await runHalfLoad(app: app, producer: triggers, payload: payload, recorder: recorder, probe: probe, workflowsPerSecond: sustained.stepsPerSecond / Double(steps) / 2, label: "half sustained load, grown store")
            // 4. Serial: one workflow at a time.
            recorder.reset()
            probe.reset()
            for i in 0..<serialWorkflows {
                let before = app.orchestrator.counters.resultsApplied
                try await publishTriggers(count: 1, prefix: "serial-\(i)", producer: triggers, payload: payload)
                try await waitForSteps(app: app, total: before + steps)
            }
            let serial = recorder.percentiles()
            let serialInside = probe.percentiles()
            print(String(format: "          serial step latency: median %.2f ms, p99 %.2f ms (worker round trip median %.2f, p99 %.2f ms)", serialInside.p50, serialInside.p99, serial.p50, serial.p99))
            // 5. Fan-out: one instance with a foreach over 1,000 and then 10,000 items, 100 at a time.
            _ = try await app.orchestrator.registerDefinition(text: Self.foreachDefinition)
            for items in [1_000, 10_000] {
                let run = try await runForeach(app: app, items: items)
                print(String(format: "          foreach of %d items, maxConcurrency 100: %.0f items/s (%.2f s); RSS %.0f MB, peak %.0f MB", items, Double(items) / run.seconds, run.seconds, run.rss, run.peak))
            }
            let counters = app.orchestrator.counters
            if let sqlite = app.store as? SQLiteStore {
                let checkpoints = await sqlite.checkpointCounts()
                print(String(format: "          WAL checkpoints: %d beside the writer, %d by the writer (%.3f s of its time)", checkpoints.background, checkpoints.byWriter, checkpoints.byWriterSeconds))
            }
            print("          applied \(counters.resultsApplied) results, ignored \(counters.totalIgnored), dead-lettered \(counters.totalDeadLettered), \(counters.batchesCommitted) transactions")
            print("step latency = task result polled by Baton → next task request's delivery report (acks=all), measured inside Baton;")
            print("worker round trip = request i received by the worker → request i+1 received (adds the worker's reply and both Kafka hops)")
            print("targets (2 cores, durable SQLite): ≥ 5000 task steps/s sustained with \(workflows) concurrent workflows; p99 ≤ 25 ms at half that load (2500 steps/s); serial median ≤ 2 ms")
            print("the grown-store line runs at half the sustained rate measured above (stricter than the target), after the store and the embedded broker's logs grew")
            group.cancelAll()
        }
    }

    /// Starts workflows at a steady rate for `halfLoadSeconds`, prints the step latency and where
    /// it goes, and returns the in-Baton percentiles.
    @discardableResult
    private func runHalfLoad(
        app: BatonApplication, producer: KafkaProducer, payload: JSONValue, recorder: LatencyRecorder, probe: StepLatencyProbe,
        workflowsPerSecond: Double, label: String
    ) async throws -> (p50: Double, p99: Double) {
        // The previous phase's wake (its log being checkpointed, its outbox rows deleted) is not
        // part of a steady half load: let it pass before measuring.
        try await Task.sleep(for: .seconds(1))
        recorder.reset()
        probe.reset()
        let rate = max(1, workflowsPerSecond)
        let count = max(1, Int(rate * halfLoadSeconds))
        let baseSteps = app.orchestrator.counters.resultsApplied
        let interval = 1.0 / rate * 10
        var sent = 0
        let start = ContinuousClock.now
        while sent < count {
            let batch = min(10, count - sent)
            try await publishTriggers(count: batch, prefix: "\(label)-\(sent)", producer: producer, payload: payload)
            sent += batch
            let due = start + .seconds(interval * Double(sent / 10))
            if due > ContinuousClock.now { try await Task.sleep(until: due) }
        }
        try await waitForSteps(app: app, total: baseSteps + count * steps)
        let worker = recorder.percentiles()
        let inside = probe.percentiles()
        print("          step latency at \(label) " + String(format: "(%.0f steps/s): p50 %.2f ms, p99 %.2f ms (worker round trip p50 %.2f, p99 %.2f ms)", rate * Double(steps), inside.p50, inside.p99, worker.p50, worker.p99))
        for stage in probe.stagePercentiles() {
            print("            \(stage.name): " + String(format: "p50 %.2f ms, p99 %.2f ms (%d samples)", stage.p50, stage.p99, stage.count))
        }
        return (inside.p50, inside.p99)
    }

    /// Keeps `workflows` instances in flight for `sustainedSeconds`, starting one for each that
    /// ends (counted in applied results), then waits for the last ones; returns the rate over the
    /// window.
    func runSustained(app: BatonApplication, producer: KafkaProducer, payload: JSONValue) async throws -> (seconds: Double, stepsPerSecond: Double) {
        let firstApplied = app.orchestrator.counters.resultsApplied
        var started = 0
        let start = ContinuousClock.now
        let end = start + .seconds(sustainedSeconds)
        while ContinuousClock.now < end {
            let finished = (app.orchestrator.counters.resultsApplied - firstApplied) / steps
            let due = workflows + finished - started
            if due > 0 {
                try await publishTriggers(count: due, prefix: "sustained-\(firstApplied)-\(started)", producer: producer, payload: payload)
                started += due
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let applied = app.orchestrator.counters.resultsApplied - firstApplied
        let seconds = (ContinuousClock.now - start).benchSeconds
        try await waitForSteps(app: app, total: firstApplied + started * steps)
        return (seconds, Double(applied) / seconds)
    }

    static let foreachDefinition = """
        id: bench-foreach
        steps:
          - id: each
            type: foreach
            items: "${ $.input.items }"
            maxConcurrency: 100
            steps:
              - {id: item, type: task, taskType: bench.echo, input: "${ $.item }"}
        """

    /// Starts one instance whose foreach runs `items` tasks and waits for it to complete.
    private func runForeach(app: BatonApplication, items: Int) async throws -> (seconds: Double, rss: Double, peak: Double) {
        let input: JSONValue = ["items": .array((0..<items).map { ["sku": .string("sku-\($0)"), "quantity": .number(Double($0 % 7 + 1))] })]
        let start = ContinuousClock.now
        let started = try await app.orchestrator.startInstance(workflowId: "bench-foreach", version: nil, input: input, idempotencyKey: nil)
        let deadline = start + .seconds(300)
        while true {
            let instance = try await app.service.instance(id: started.instance.id)
            if instance.status.isTerminal {
                guard instance.status == .completed else { throw ValidationError("the foreach bench instance ended \(instance.status.rawValue): \(instance.error?.message ?? "")") }
                break
            }
            if ContinuousClock.now > deadline { throw ValidationError("the foreach of \(items) items did not finish in 300 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
        let seconds = (ContinuousClock.now - start).benchSeconds
        let memory = Self.memory()
        return (seconds, memory.rss, memory.peak)
    }

    /// Resident and peak resident memory of this process, in MB (Linux `/proc/self/status`).
    static func memory(of statusFile: String = "/proc/self/status") -> (rss: Double, peak: Double) {
        guard let status = try? String(contentsOfFile: statusFile, encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init) ?? "") ?? 0) / 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    private func waitForSteps(app: BatonApplication, total: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while app.orchestrator.counters.resultsApplied < total {
            if ContinuousClock.now > deadline { throw ValidationError("bench timed out: \(app.orchestrator.counters.resultsApplied)/\(total) results applied") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Distinguishes this run's trigger events from an earlier run's on a reused store.
    private var runTag: String { "\(getpid())" }

    func publishTriggers(count: Int, prefix: String, producer: KafkaProducer, payload: JSONValue) async throws {
        let topics = TopicNames()
        let records = (0..<count).map { i in
            let event = CloudEvent(id: "\(prefix)-\(i)", source: "bench-\(runTag)", type: "bench.start", data: payload)
            let wire = CloudEventCodec.encodeStructured(event, topic: topics.triggers, key: Array("\(prefix)-\(i)".utf8))
            return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
        }
        for case .failure(let error) in await producer.send(records) { throw error }
    }

    func samplePayload() -> JSONValue {
        ["orderId": "o-12345", "customer": ["id": "c-42", "tier": "gold"], "items": [["sku": "book-1", "quantity": 2, "price": 12.5], ["sku": "pen-7", "quantity": 10, "price": 1.2]], "total": 37]
    }

    func benchDefinition(steps: Int) -> String {
        var text = "id: bench\ntriggers:\n  - type: bench.start\nsteps:\n"
        for i in 1...steps {
            text += "  - id: s\(i)\n    type: task\n    taskType: bench.echo\n"
            text += i == 1 ? "    input: \"${ $.input }\"\n" : "    input: \"${ $.steps.s\(i - 1).output }\"\n"
            if i < steps { text += "    next: s\(i + 1)\n" }
        }
        return text
    }
}

/// Per-step latency as the worker sees it: from the result it sent for step i of an instance to
/// the request it receives for step i+1 (so it includes both Kafka hops).
final class LatencyRecorder: Sendable {
    private struct State {
        var lastSeen: [String: ContinuousClock.Instant] = [:]
        var samples: [Double] = []
    }

    private let state = Mutex(State())

    func reset() { state.withLock { $0 = State() } }

    func received(_ task: TaskDispatch) {
        let now = ContinuousClock.now
        state.withLock { s in
            if let previous = s.lastSeen[task.instanceId] { s.samples.append((now - previous).benchSeconds * 1000) }
            s.lastSeen[task.instanceId] = now
        }
    }

    func percentiles() -> (p50: Double, p99: Double) {
        let sorted = state.withLock { $0.samples }.sorted()
        guard !sorted.isEmpty else { return (0, 0) }
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
        return (at(0.5), at(0.99))
    }
}

extension Duration {
    var benchSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
