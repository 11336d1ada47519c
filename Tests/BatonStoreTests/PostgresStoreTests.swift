import BatonCore
import BatonExpressions
import BatonStore
import BatonTestSupport
import Logging
import PostgresNIO
import Testing

@testable import BatonStorePostgres

/// What only the PostgreSQL store has to prove: several processes (here, several stores on one
/// database, each with its own pool) starting, registering and writing at the same time.
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    /// Runs `body` with a new database and closes what it opened.
    private func withDatabase<T>(_ body: (PostgresStore.Configuration) async throws -> T) async throws -> T {
        let database = try await PostgresTestServer.shared.makeDatabase()
        do {
            let result = try await body(database)
            await PostgresTestServer.shared.dropDatabase(database)
            return result
        } catch {
            await PostgresTestServer.shared.dropDatabase(database)
            throw error
        }
    }

    @Test func processesStartingTogetherMigrateOnce() async throws {
        try await withDatabase { database in
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresStore.open(database, ownership: .shared) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(stores.count == 4)
            let versions = try await stores[0].schemaVersions()
            #expect(versions == [PostgresSchema.currentVersion], "one row, the current version: \(versions)")
            for store in stores { await store.close() }
        }
    }

    /// A store opened for exclusive use (a tool that must be alone) keeps other exclusive opens
    /// out, as a SQLite file does; the lock goes with the first store.
    @Test func anExclusiveOwnerKeepsOthersOutUntilItCloses() async throws {
        try await withDatabase { database in
            let owner = try await PostgresStore.open(database)
            let error = await storeError { () throws(StoreError) in _ = try await PostgresStore.open(database) }
            #expect(error?.code == .locked)
            #expect(error?.message.contains("in use by another Baton process") == true, "\(String(describing: error))")
            #expect(error?.message.contains(database.redactedURL) == true)
            let shared = try await PostgresStore.open(database, ownership: .shared)
            await shared.close()
            await owner.close()
            let next = try await PostgresStore.open(database)
            #expect(try await next.outboxCount() == 0)
            await next.close()
        }
    }

    @Test func aNewerSchemaIsRefusedClearly() async throws {
        try await withDatabase { database in
            let store = try await PostgresStore.open(database)
            try await store.setSchemaVersion(PostgresSchema.currentVersion + 7)
            await store.close()
            let error = await storeError { () throws(StoreError) in _ = try await PostgresStore.open(database) }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("schema version \(PostgresSchema.currentVersion + 7), newer than this build") == true, "\(String(describing: error))")
        }
    }

    /// Two processes decide on the same revision of one instance: the database lets exactly one
    /// commit land and refuses the other with `.stale`, writing none of its rows.
    @Test func twoWritersOnOneInstanceOneWinsTheOtherIsStale() async throws {
        try await withDatabase { database in
            let first = try await PostgresStore.open(database, ownership: .shared)
            let second = try await PostgresStore.open(database, ownership: .shared)
            try await first.commit(StoreBatch(instances: [plainInstance("i")]))
            let read = try #require(try await second.versionedInstance(id: "i"))
            var rounds = 0
            var staleRefusals = 0
            for round in 0..<20 {
                let current = try #require(try await first.versionedInstance(id: "i"))
                func batch(_ writer: String) -> StoreBatch {
                    var instance = current.instance
                    instance.updatedAt = at(Int64(round + 1))
                    var batch = StoreBatch(instances: [instance], dedupe: ["\(writer)-\(round)": writer])
                    batch.decidedFrom = ["i": current.revision]
                    return batch
                }
                async let a = outcome { () throws(StoreError) in _ = try await first.commit(batch("a")) }
                async let b = outcome { () throws(StoreError) in _ = try await second.commit(batch("b")) }
                let outcomes = await [a, b]
                let landed = outcomes.filter { if case .success = $0 { true } else { false } }.count
                staleRefusals += outcomes.filter { if case .failure(let error) = $0 { error.code == .stale } else { false } }.count
                #expect(landed == 1, "round \(round): \(outcomes)")
                rounds += 1
                let marks = try await first.dedupeValues(for: ["a-\(round)", "b-\(round)"])
                #expect(marks.count == 1, "only the winner's rows are stored: \(marks)")
            }
            #expect(staleRefusals == rounds)
            let final = try #require(try await second.versionedInstance(id: "i"))
            #expect(final.revision == read.revision + Int64(rounds))
            await first.close()
            await second.close()
        }
    }

    @Test func concurrentRegistrationsGetGaplessVersions() async throws {
        try await withDatabase { database in
            let first = try await PostgresStore.open(database, ownership: .shared)
            let second = try await PostgresStore.open(database, ownership: .shared)
            let versions = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<16 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask { try await store.registerDefinition(id: "orders", document: ["n": .number(Double(index))], at: at(0)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(versions.sorted() == Array(1...16))
            #expect(try await first.definitionVersions(id: "orders").map(\.version) == Array(1...16))
            await first.close()
            await second.close()
        }
    }

    @Test func urlsAreParsedAndBadOnesNamed() throws {
        let full = try PostgresStore.Configuration(url: "postgres://baton:s%40cret@db.internal:6543/workflows?sslmode=require&pool=25")
        #expect(full == PostgresStore.Configuration(
            host: "db.internal", port: 6543, username: "baton", password: "s@cret", database: "workflows", tls: .require, maxConnections: 25))
        #expect(full.redactedURL == "postgres://baton:***@db.internal:6543/workflows")
        let short = try PostgresStore.Configuration(url: "postgresql://me@localhost/baton")
        #expect(short.port == 5432 && short.password == nil && short.tls == .prefer && short.maxConnections == 10)
        #expect(short.operationTimeout == .seconds(30))
        #expect(try PostgresStore.Configuration(url: "postgres://me@host/db?timeout=2.5").operationTimeout == .milliseconds(2_500))
        for (url, complaint) in [
            ("mysql://me@host/db", "is not a PostgreSQL URL"),
            ("postgres://host/db", "names no user"),
            ("postgres://me@host/", "names no database"),
            ("postgres://me@host/db?sslmode=maybe", "sslmode 'maybe'"),
            ("postgres://me@host/db?pool=0", "pool '0'"),
            ("postgres://me@host/db?timeout=0", "timeout '0'"),
            ("postgres://me@host/db?connect_timeout=3", "parameter 'connect_timeout' is unknown"),
            ("postgres://me:hunter2@host/db?x=1", "parameter 'x' is unknown"),
        ] {
            #expect(throws: StoreError.self) { try PostgresStore.Configuration(url: url) }
            do {
                _ = try PostgresStore.Configuration(url: url)
            } catch {
                #expect(error.code == .invalid)
                #expect(error.message.contains(complaint), "\(url): \(error.message)")
                #expect(!error.message.contains("hunter2"), "the password must not be in the message")
            }
        }
    }
}

private func outcome(_ body: () async throws(StoreError) -> Void) async -> Result<Void, StoreError> {
    do {
        try await body()
        return .success(())
    } catch {
        return .failure(error)
    }
}

extension PostgresStore {
    /// The rows of `baton_schema`.
    fileprivate func schemaVersions() async throws(StoreError) -> [Int] {
        try await run("read the schema version") { [self] connection in
            var versions: [Int] = []
            for try await version in try await connection.query("SELECT version FROM baton_schema", logger: logger).decode(Int.self) { versions.append(version) }
            return versions
        }
    }

    fileprivate func setSchemaVersion(_ version: Int) async throws(StoreError) {
        _ = try await run("set the schema version") { [self] connection in
            try await connection.query("UPDATE baton_schema SET version = \(version)", logger: logger).collect().count
        }
    }
}
