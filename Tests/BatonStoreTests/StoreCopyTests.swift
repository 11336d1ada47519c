import BatonCore
import BatonSecurity
import BatonExpressions
import BatonServer
import BatonStore
import BatonStorePostgres
import BatonStoreSQLite
import BatonTestSupport
import Foundation
import Testing

/// `baton store copy`: a SQLite store with every kind of row moves into an empty PostgreSQL
/// database, and the target answers every read exactly as the source did.
@Suite("Store copy: SQLite to PostgreSQL", .serialized)
struct StoreCopyTests {
    static let instanceCount = 450

    @Test func everyKindOfRowArrivesAndReadsTheSame() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let path = directory + "/baton.sqlite"
        let source = try await SQLiteStore.open(.init(path: path, synchronous: .normal))
        try await Self.populate(source)
        let expected = try await Self.reads(source)
        await source.close()

        let database = try await PostgresTestServer.shared.makeDatabase()
        defer { Task { await PostgresTestServer.shared.dropDatabase(database) } }
        let lines = Shared<[String]>([])
        let report = try await StoreCopy().copy(from: try StoreLocation("sqlite:" + path), to: .postgres(database)) { line in lines.withLock { $0.append(line) } }
        print("store copy: \(report.source.tables.map { "\($0.name) \($0.count)" }.joined(separator: ", ")); progress lines \(lines.withLock { $0.count })")
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
        #expect(report.source == report.target)
        #expect(report.source.instances == Self.instanceCount + 2)
        #expect(report.source.tables.allSatisfy { $0.count > 0 }, "every table must hold rows for the copy to prove anything: \(report.source.tables)")

        let target = try await PostgresStore.open(database, ownership: .exclusive)
        let copied = try await Self.reads(target)
        #expect(copied.definitions == expected.definitions)
        #expect(copied.instances == expected.instances)
        #expect(copied.histories == expected.histories)
        #expect(copied.schedules == expected.schedules && expected.schedules.count == 2)
        #expect(copied.executions == expected.executions)
        #expect(copied.timers == expected.timers)
        #expect(copied.waits == expected.waits)
        #expect(copied.kept == expected.kept)
        #expect(copied.dedupe == expected.dedupe)
        #expect(copied.deadLetters == expected.deadLetters)
        #expect(copied.outbox == expected.outbox)
        #expect(copied.parked == expected.parked)
        #expect(copied.held == expected.held && expected.held.count == 2)
        #expect(copied.keys == expected.keys && expected.keys.count == 2)

        // Baton goes on where the source stopped: the next dead letter gets the next id, and a
        // copied instance commits from the revision the target gave it.
        try await target.commit(StoreBatch(deadLetters: [Self.deadLetter(offset: 99)]))
        #expect(try await target.deadLetters(DeadLetterQuery(afterId: 3)).map(\.id) == [4])
        let stored = try #require(try await target.versionedInstance(id: "i-7"))
        var moved = stored.instance
        moved.status = .completed
        var batch = StoreBatch(instances: [moved])
        batch.decidedFrom = ["i-7": stored.revision]
        try await target.commit(batch)
        await target.close()

        // A second copy into the now non-empty database is refused and writes nothing.
        let refusal = await storeError { () throws(StoreError) in
            _ = try await StoreCopy().copy(from: try StoreLocation(path), to: .postgres(database))
        }
        #expect(refusal?.code == .conflict)
        #expect(refusal?.message.contains("not empty") == true)
        let missing = await storeError { () throws(StoreError) in
            _ = try await StoreCopy().copy(from: try StoreLocation("sqlite:" + directory + "/typo.sqlite"), to: .postgres(database))
        }
        #expect(missing?.message.contains("no SQLite store") == true)
        #expect(!FileManager.default.fileExists(atPath: directory + "/typo.sqlite"))
    }

    /// Two definition versions and another definition; plain instances with history, timers of
    /// every kind and event waits; a rich failed instance; a large foreach kept in parts; dedupe
    /// marks; kept events; three unpublished and one parked outbox row; a redriven and two
    /// pending dead letters.
    static func populate(_ store: SQLiteStore) async throws {
        _ = try await store.registerDefinition(id: "orders", document: ["steps": ["a"]], at: at(1))
        _ = try await store.registerDefinition(id: "orders", document: ["steps": ["a", "b"]], at: at(2))
        _ = try await store.registerDefinition(id: "refunds", document: ["steps": []], at: at(3))
        try await store.createSchedule(ScheduleRecord(
            id: "nightly", workflowId: "orders", document: ["cron": "30 2 * * *"], state: ["decidedThrough": "2026-05-28T20:26:40.000Z"],
            nextFireAt: at(9), createdAt: at(3), updatedAt: at(4)))
        try await store.createSchedule(ScheduleRecord(
            id: "paused", workflowId: "refunds", document: ["every": "1h"], state: [:], nextFireAt: nil, createdAt: at(3), updatedAt: at(3)))
        for start in stride(from: 0, to: instanceCount, by: 50) {
            var batch = StoreBatch()
            for n in start..<(start + 50) {
                var instance = plainInstance("i-\(n)", createdAt: at(Int64(n)))
                let timer = n % 3 == 0 ? InstanceTimer.wait(executionId: "root", stepId: "cool", execution: 1, at: at(60_000 + Int64(n))) : .workflowTimeout(at: at(90_000))
                instance.timers[timer.id] = timer
                batch.timers.append(.set(instanceId: instance.id, timerId: timer.id, fireAt: timer.fireAt))
                if n % 5 == 0 {
                    let wait = EventWait(id: "event:w:1", event: "paid", eventKeySource: "${ $.data.orderId }", correlationKey: "o-\(n)", executionId: "root", stepId: "w", execution: 1)
                    instance.eventWaits[wait.id] = wait
                    batch.waits.append(.set(instanceId: instance.id, wait: wait))
                }
                instance.historySequence = 3
                batch.instances.append(instance)
                batch.history += [
                    event(1, .workflowStarted), event(2, .taskScheduled, step: "a", task: "i-\(n).1", attempt: 1),
                    event(3, .taskCompleted, step: "a", task: "i-\(n).1", attempt: 1, data: ["n": .number(Double(n))]),
                ].map { InstanceHistoryEvent(instanceId: instance.id, event: $0) }
                batch.dedupe["trigger:kafka/e-\(n)"] = instance.id
                batch.dedupe["result:i-\(n).1/completed"] = "digest-\(n)"
            }
            try await store.commit(batch)
        }
        var rich = StoreBatch.history(richInstance("r-1"), (1...12).map { event($0, $0 == 1 ? .workflowStarted : .taskScheduled, step: "s\($0)") })
        rich.bufferedEvents = [
            BufferedEvent(ref: "e1", event: "paid", eventKeySource: "${ $.data.orderId }", correlationKey: "o-x", data: ["n": 1], origin: "event:s/e1", arrivedAt: at(1), expiresAt: at(100_000)),
            BufferedEvent(ref: "e2", event: "paid", eventKeySource: "${ $.data.orderId }", correlationKey: "o-y", data: ["ü": "✓"], origin: "event:s/e2", arrivedAt: at(2), expiresAt: at(100_000)),
        ]
        rich.outbox = (0..<3).map { OutboxMessage(topic: "baton.lifecycle", key: Array("r-1".utf8), value: Array("{\"n\":\($0)}".utf8), headers: [OutboxHeader(key: "n", value: [UInt8($0)])]) }
        rich.outbox.append(OutboxMessage(topic: "baton.tasks", key: nil, value: Array(repeating: 7, count: 2_000)))
        rich.deadLetters = [deadLetter(offset: 1), deadLetter(offset: 2), deadLetter(offset: 3)]
        let sequences = try await store.commit(rich)
        try await store.parkOutbox([ParkedOutboxMessage(
            OutboxMessage(sequence: sequences[3], topic: "baton.tasks", key: nil, value: Array(repeating: 7, count: 2_000)),
            reason: "MSG_SIZE_TOO_LARGE", message: "too large", parkedAt: at(5))])
        try await store.commit(StoreBatch(redriven: [2], redrivenAt: at(9)))
        var held = StoreBatch()
        held.held = [
            HeldDispatch(gate: "sms.send", message: OutboxMessage(topic: "baton.tasks.sms.send", key: Array("i-1".utf8), value: Array("{\"n\":1}".utf8), headers: [OutboxHeader(key: "traceparent", value: [1])]), taskId: "i-1.2"),
            HeldDispatch(gate: "sms.send", message: OutboxMessage(topic: "baton.tasks.sms.send", key: nil, value: Array("{}".utf8))),
        ]
        try await store.commit(held)
        let revoked = APIKey.generate(name: "ci", grants: ["operator@orders"], createdBy: "cli", at: at(1), expiresAt: at(9_000)).key
        try await store.createAPIKey(revoked)
        _ = try await store.revokeAPIKey(id: revoked.id, at: at(2))
        try await store.createAPIKey(APIKey.generate(name: "ci", grants: ["admin"], createdBy: "cli", at: at(3)).key)
        for index in 1...3 {
            _ = try await store.appendAudit(AuditEntry(time: at(Int64(index)), actor: "key:ci", action: "instance.cancel", target: "/v1/instances/i-\(index)", outcome: "ok"))
        }

        let parts = try SQLiteInstancePartsTests().started(items: 1_500).1
        var fan = parts.instance
        fan.id = "fan-1"
        try await store.commit(StoreBatch(instances: [fan]))
    }

    static func deadLetter(offset: Int64) -> DeadLetterRecord {
        DeadLetterRecord(
            sourceTopic: "baton.triggers", sourcePartition: 1, sourceOffset: offset, key: offset == 1 ? nil : [1, 2], value: [0xFF, UInt8(offset)],
            headers: [OutboxHeader(key: "h", value: [1])], reason: "MALFORMED", message: "not JSON", pointer: offset == 3 ? "/x" : nil, createdAt: at(offset))
    }

    /// Everything the read API answers, in a comparable form.
    struct Reads: Equatable {
        var definitions: [DefinitionRecord] = []
        var instances: [WorkflowInstance] = []
        var histories: [String: [HistoryEvent]] = [:]
        var executions: [String: [StepExecution]] = [:]
        var timers: [DueTimer] = []
        var waits: [[WaitingInstance]] = []
        var kept: [BufferedEvent] = []
        var dedupe: [String: String] = [:]
        var deadLetters: [DeadLetterRecord] = []
        var outbox: [[UInt8]] = []
        var parked: [String] = []
        var held: [HeldDispatch] = []
        var keys: [APIKey] = []
        /// Copied with the same hashes.
        var audit: [AuditRecord] = []
        var schedules: [ScheduleRecord] = []
    }

    static func reads(_ store: any TransferableStore) async throws -> Reads {
        var reads = Reads()
        for summary in try await store.definitions() { reads.definitions += try await store.definitionVersions(id: summary.id) }
        reads.schedules = try await store.schedules(workflowId: nil)
        var cursor: String?
        repeat {
            let page = try await store.instances(InstanceQuery(cursor: cursor, limit: 100))
            reads.instances += page.instances
            cursor = page.nextCursor
        } while cursor != nil
        for instance in reads.instances {
            reads.histories[instance.id] = try await store.history(instanceId: instance.id, afterSequence: 0, limit: 1_000)
            reads.executions[instance.id] = try await store.stepExecutions(instanceId: instance.id)
        }
        reads.timers = try await store.dueTimers(until: at(1_000_000), limit: 10_000).sorted { ($0.instanceId, $0.timerId) < ($1.instanceId, $1.timerId) }
        for n in stride(from: 0, to: instanceCount, by: 5) {
            reads.waits.append(try await store.eventWaits(event: "paid", eventKeySource: "${ $.data.orderId }", correlationKey: "o-\(n)"))
        }
        for key in ["o-x", "o-y"] {
            reads.kept += try await store.bufferedEvents(event: "paid", eventKeySource: "${ $.data.orderId }", correlationKey: key, at: at(10))
        }
        reads.dedupe = try await store.dedupeValues(for: (0..<instanceCount).flatMap { ["trigger:kafka/e-\($0)", "result:i-\($0).1/completed"] })
        reads.deadLetters = try await store.deadLetters(DeadLetterQuery(limit: 1_000))
        reads.outbox = try await store.pendingOutbox(limit: 100).map(\.value)
        reads.parked = try await store.parkedOutbox(afterSequence: 0, limit: 10).map { "\($0.topic) \($0.value.count) \($0.reason) \($0.message) \($0.parkedAt)" }
        reads.held = try await store.heldDispatches(afterSequence: 0, limit: 10).map { $0.dispatch }
        reads.keys = try await store.apiKeys()
        reads.audit = try await store.auditRecords(AuditQuery(limit: 100))
        return reads
    }
}
