import BatonCore
import BatonExpressions
import BatonStore
@testable import BatonStoreSQLite
import Foundation
import Testing

/// What only a real file can show: durability across reopen, single ownership, schema versions
/// and how SQLite failures surface.
@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test func dataSurvivesCloseAndReopen() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let configuration = SQLiteStore.Configuration(path: directory + "/baton.db")

        let instance = richInstance("i-1")
        let store = try await SQLiteStore.open(configuration)
        _ = try await store.registerDefinition(id: "orders", document: ["steps": []], at: at(0))
        var batch = StoreBatch.history(instance, [event(1, .taskScheduled, step: "s", task: "i-1.1", attempt: 1, data: ["input": 1])])
        batch.outbox = [OutboxMessage(topic: "tasks", key: [1], value: [2], headers: [OutboxHeader(key: "h", value: [3])])]
        batch.dedupe = ["k": "v"]
        try await store.commit(batch)
        await store.close()

        let reopened = try SQLiteStore(configuration: configuration)
        #expect(try await reopened.definition(id: "orders", version: nil)?.version == 1)
        #expect(try await reopened.instance(id: "i-1") == instance)
        #expect(try await reopened.history(instanceId: "i-1", afterSequence: 0, limit: 10).count == 1)
        #expect(try await reopened.stepExecutions(instanceId: "i-1").map(\.input) == [1])
        #expect(try await reopened.pendingOutbox(limit: 10).map(\.headers) == [[OutboxHeader(key: "h", value: [3])]])
        #expect(try await reopened.dedupeValues(for: ["k"]) == ["k": "v"])
        await reopened.close()
    }

    /// Retention may delete a finished instance's history; nothing may delete a running one's.
    @Test func historyStaysAppendOnlyWhileItsInstanceRuns() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let store = try await SQLiteStore.open(.init(path: directory + "/baton.db"))
        var batch = StoreBatch(instances: [plainInstance("run"), plainInstance("done", status: .completed)])
        batch.history = ["run", "done"].map { InstanceHistoryEvent(instanceId: $0, event: event(1, .workflowStarted)) }
        try await store.commit(batch)
        let refused = await storeError { () throws(StoreError) in try await store.perform { connection throws(StoreError) in try connection.execute("DELETE FROM history WHERE instance_id = 'run'") } }
        #expect(refused?.message.contains("append-only") == true)
        await #expect(throws: Never.self) { try await store.perform { connection throws(StoreError) in try connection.execute("DELETE FROM history WHERE instance_id = 'done'") } }
        await #expect(throws: (any Error).self) { try await store.perform { connection throws(StoreError) in try connection.execute("UPDATE history SET type = 'x' WHERE instance_id = 'run'") } }
        #expect(try await store.history(instanceId: "run", afterSequence: 0, limit: 10).count == 1)
        #expect(try await store.history(instanceId: "done", afterSequence: 0, limit: 10).isEmpty)
        await store.close()
    }

    @Test func aSecondOpenInTheSameProcessIsLockedAndNamesThePid() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let configuration = SQLiteStore.Configuration(path: directory + "/baton.db")
        let store = try await SQLiteStore.open(configuration)

        let error = await storeError { () throws(StoreError) in _ = try await SQLiteStore.open(configuration) }
        #expect(error?.code == .locked)
        #expect(error?.isRetryable == false)
        #expect(error?.message.contains("in use by another Baton process (pid \(getpid())") == true, "\(String(describing: error))")

        // Closing releases the lock for the next owner.
        await store.close()
        let next = try await SQLiteStore.open(configuration)
        await next.close()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs util-linux flock"))
    func anotherProcessHoldingTheLockIsNamed() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let path = directory + "/baton.db"
        // `flock` takes the lock, then its child writes flock's pid into the file as Baton would and
        // holds on until we close its stdin, so nothing outlives the test.
        let holder = Process()
        let stdin = Pipe()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", "exec /usr/bin/flock -n \"$0\" /bin/sh -c 'echo $PPID > \"$0\"; exec cat > /dev/null' \"$0\"", path + ".lock"]
        holder.standardInput = stdin
        try holder.run()
        defer {
            try? stdin.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        let pid = "\(holder.processIdentifier)"
        for _ in 0..<500 {
            let owner = (try? String(contentsOfFile: path + ".lock", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if owner == pid { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let error = await storeError { () throws(StoreError) in _ = try await SQLiteStore.open(.init(path: path)) }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("in use by another Baton process (pid \(pid))") == true, "\(String(describing: error))")
    }

    @Test func aNewerSchemaIsRefusedClearly() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let configuration = SQLiteStore.Configuration(path: directory + "/baton.db")
        let store = try await SQLiteStore.open(configuration)
        let future = SQLiteSchema.currentVersion + 7
        try await store.perform { connection throws(StoreError) in try connection.execute("PRAGMA user_version = \(future)") }
        await store.close()

        let error = await storeError { () throws(StoreError) in _ = try await SQLiteStore.open(configuration) }
        #expect(error?.code == .corrupt)
        #expect(error?.isRetryable == false)
        #expect(error?.message.contains("schema version \(future), newer than this build") == true, "\(String(describing: error))")
    }

    @Test func migrationsAreAppliedOnceAndRecorded() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let configuration = SQLiteStore.Configuration(path: directory + "/baton.db")
        for _ in 0..<2 {
            let store = try await SQLiteStore.open(configuration)
            let version = try await store.perform { connection throws(StoreError) in
                try connection.withStatement("PRAGMA user_version") { statement throws(StoreError) in try statement.step() ? statement.int(0) : -1 }
            }
            #expect(version == SQLiteSchema.currentVersion)
            await store.close()
        }
    }

    /// As root, file permissions do not stop writes, so a full database (capped with
    /// `max_page_count`) stands in for the failures an operator has to fix: SQLITE_FULL must reach
    /// the runtime as a retryable `.unavailable`, and the failed batch must leave nothing behind.
    @Test func aFullDatabaseIsRetryableAndLeavesNothingBehind() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let store = try await SQLiteStore.open(.init(path: directory + "/baton.db"))
        try await store.commit(StoreBatch(instances: [plainInstance("i-0")]))
        try await store.perform { connection throws(StoreError) in
            let pages = try connection.withStatement("PRAGMA page_count") { statement throws(StoreError) in try statement.step() ? statement.int(0) : 0 }
            try connection.execute("PRAGMA max_page_count = \(pages)")
        }
        let big = [UInt8](repeating: 7, count: 256 * 1024)
        let batch = StoreBatch(
            instances: [plainInstance("i-1")], outbox: [OutboxMessage(topic: "t", key: nil, value: big)], dedupe: ["k": "v"])
        let error = await storeError { () throws(StoreError) in try await store.commit(batch) }
        #expect(error?.code == .unavailable)
        #expect(error?.isRetryable == true)
        #expect(error?.underlyingCode == 13)
        #expect(try await store.instance(id: "i-1") == nil)
        #expect(try await store.outboxCount() == 0)
        #expect(try await store.dedupeValues(for: ["k"]).isEmpty)

        // Once space is back, the same batch commits.
        try await store.perform { connection throws(StoreError) in try connection.execute("PRAGMA max_page_count = 1073741823") }
        try await store.commit(batch)
        #expect(try await store.outboxCount() == 1)
        await store.close()
    }

    @Test func aBusyDatabaseIsRetryable() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let path = directory + "/baton.db"
        let store = try await SQLiteStore.open(.init(path: path, busyTimeout: .milliseconds(50)))
        // Another connection (say, a careless maintenance script) holds the write lock.
        let intruder = try SQLiteConnection(path: path)
        try intruder.execute("BEGIN IMMEDIATE")
        let error = await storeError { () throws(StoreError) in try await store.commit(StoreBatch(dedupe: ["k": "v"])) }
        #expect(error?.code == .unavailable)
        #expect(error?.isRetryable == true)
        #expect(error?.underlyingCode == 5)
        try intruder.execute("ROLLBACK")
        intruder.close()
        try await store.commit(StoreBatch(dedupe: ["k": "v"]))
        await store.close()
    }

    @Test func aMissingDirectoryFailsWithAClearMessage() async throws {
        let error = await storeError { () throws(StoreError) in _ = try await SQLiteStore.open(.init(path: "/nonexistent-baton-dir/x/baton.db")) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("/nonexistent-baton-dir/x/baton.db") == true)
    }

    /// Published rows are deleted at synchronous=NORMAL, then the writer goes back to FULL. If
    /// that switch back fails, the store stops loudly instead of committing non-durably from then
    /// on (it used to restore FULL with `try?`).
    @Test func aStoreThatCannotRestoreFullDurabilityStopsInsteadOfGoingOnLessDurable() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let store = try await SQLiteStore.open(SQLiteStore.Configuration(path: directory + "/baton.db", synchronous: .full))
        let synchronous: @Sendable (SQLiteConnection) throws(StoreError) -> Int = { connection throws(StoreError) in
            try connection.withStatement("PRAGMA synchronous") { statement throws(StoreError) in try statement.step() ? statement.int(0) : -1 }
        }
        var sequences = try await store.commit(StoreBatch(outbox: [OutboxMessage(topic: "t", key: nil, value: [1])]))
        #expect(try await store.performRelaxed(synchronous) == 1)
        try await store.markOutboxSent(sequences)
        #expect(try await store.perform(synchronous) == 2)

        await store.injectDurabilityRestoreFailure()
        sequences = try await store.commit(StoreBatch(outbox: [OutboxMessage(topic: "t", key: nil, value: [2])]))
        let failure = await storeError { () throws(StoreError) in try await store.markOutboxSent(sequences) }
        #expect(failure?.code == .unavailable)
        #expect(failure?.message.contains("could not switch back to synchronous=FULL") == true)
        // Every later write is refused with the same reason.
        let later = await storeError { () throws(StoreError) in _ = try await store.commit(StoreBatch(outbox: [OutboxMessage(topic: "t", key: nil, value: [3])])) }
        #expect(later?.code == .unavailable)
        #expect(later?.message == failure?.message)
        await store.close()
    }
}
