import BatonCore
import BatonSecurity
import BatonStore
import BatonStorePostgres
import BatonTestSupport
import Testing

/// The audit log on every backend: appended in one chain, read back byte for byte, filtered.
@Suite("Audit store contract")
struct AuditStoreContractTests {
    static func entry(_ index: Int, actor: String = "key:ops", action: String = "instance.cancel") -> AuditEntry {
        AuditEntry(
            time: Timestamp(milliseconds: 1_000 * Int64(index)), actor: actor, action: action, target: "/v1/instances/i-\(index % 3)",
            outcome: index % 4 == 0 ? "refused:403" : "ok", requestId: "req-\(index)", source: "127.0.0.1", detail: "reason \(index) — ünïcode")
    }

    @Test(arguments: Backend.allCases)
    func recordsAreChainedAndReadBackAsWritten(_ backend: Backend) async throws {
        try await withStore(backend) { workflowStore in
            let store = try #require(workflowStore as? any AuditStore)
            #expect(try await store.auditRecords(AuditQuery()).isEmpty)
            var written: [AuditRecord] = []
            for index in 1...12 {
                written.append(try await store.appendAudit(Self.entry(index, actor: index.isMultiple(of: 2) ? "key:ops" : "jwt:alice")))
            }
            #expect(written.map(\.sequence) == Array(1...12))
            let read = try await store.auditRecords(AuditQuery(limit: 1000))
            #expect(read == written)
            #expect(AuditChain.firstBreak(in: read, after: nil) == nil)
            // Filters, each alone and together; pages continue after a sequence.
            #expect(try await store.auditRecords(AuditQuery(actor: "jwt:alice")).map(\.sequence) == [1, 3, 5, 7, 9, 11])
            #expect(try await store.auditRecords(AuditQuery(targetPrefix: "/v1/instances/i-1")).map(\.sequence) == [1, 4, 7, 10])
            #expect(try await store.auditRecords(AuditQuery(from: Timestamp(milliseconds: 3_000), until: Timestamp(milliseconds: 6_000))).map(\.sequence) == [3, 4, 5])
            #expect(try await store.auditRecords(AuditQuery(actor: "key:ops", targetPrefix: "/v1/instances/i-0")).map(\.sequence) == [6, 12])
            #expect(try await store.auditRecords(AuditQuery(action: "instance.pause")).isEmpty)
            #expect(try await store.auditRecords(AuditQuery(afterSequence: 10, limit: 1)).map(\.sequence) == [11])
        }
    }

    /// Two processes appending at once still make one chain (the append takes a lock).
    @Test func concurrentAppendsFromTwoPostgreSQLConnectionsMakeOneChain() async throws {
        let database = try await PostgresTestServer.shared.makeDatabase()
        let first = try await PostgresStore.open(database, ownership: .shared)
        let second = try await PostgresStore.open(database, ownership: .shared)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (offset, store) in [first, second].enumerated() {
                group.addTask {
                    for index in 0..<40 { _ = try await store.appendAudit(Self.entry(offset * 100 + index)) }
                }
            }
            try await group.waitForAll()
        }
        let records = try await first.auditRecords(AuditQuery(limit: 1000))
        #expect(records.map(\.sequence) == Array(1...80))
        #expect(AuditChain.firstBreak(in: records, after: nil) == nil)
        await first.close()
        await second.close()
        await PostgresTestServer.shared.dropDatabase(database)
    }
}
