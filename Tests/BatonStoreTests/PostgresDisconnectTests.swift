import BatonCore
import BatonExpressions
import BatonStore
import BatonTestSupport
import Foundation
import Synchronization
import Testing

@testable import BatonStorePostgres

/// Connections the server ends under a busy store (an operator's `pg_terminate_backend`, a
/// failover): every call returns — with its result or a retryable error — and none hangs.
@Suite("PostgreSQL store: terminated connections", .serialized)
struct PostgresDisconnectTests {
    @Test func everyCallReturnsWhileTheServerTerminatesConnections() async throws {
        let server = PostgresTestServer()
        var configuration = try await server.makeDatabase()
        configuration.maxConnections = 6
        // Short, so a call caught by a closing connection is given up within the test's bound;
        // long enough that a loaded CI machine's ordinary commits finish in it.
        configuration.operationTimeout = .seconds(5)
        let database = configuration
        let store = try await PostgresStore.open(database, ownership: .shared)
        let slowest = Shared<Duration>(.zero)
        let outcomes = Shared<[String: Int]>([:])
        let current = Shared<[Int: String]>([:])
        let stop = Shared(false)
        // Unstructured on purpose: a call that never returns must not keep the test from ending
        // (a task group waits for every child, cancelled or not).
        let workers = (0..<6).map { worker in
            Task {
                var n = 0
                while !stop.withLock({ $0 }) {
                    n += 1
                    let id = "w\(worker)-\(n)"
                    let start = ContinuousClock.now
                    var outcome = "ok"
                    do throws(StoreError) {
                        current.withLock { $0[worker] = "commit \(id)" }
                        _ = try await store.commit(StoreBatch.history(plainInstance(id), [event(1, .workflowStarted)]))
                        current.withLock { $0[worker] = "read \(id)" }
                        _ = try await store.versionedInstance(id: id)
                    } catch {
                        outcome = "\(error.code)\(error.isRetryable ? " (retryable)" : "")"
                    }
                    current.withLock { $0[worker] = nil }
                    let took = ContinuousClock.now - start
                    slowest.withLock { $0 = max($0, took) }
                    outcomes.withLock { $0[outcome, default: 0] += 1 }
                }
            }
        }
        var terminated = 0
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(300))
            terminated += try await server.terminateConnections(to: database.database)
        }
        stop.withLock { $0 = true }
        let deadline = ContinuousClock.now + .seconds(20)
        while current.withLock({ !$0.isEmpty }) || outcomes.withLock({ $0.values.reduce(0, +) }) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let hung = current.withLock { $0 }
        #expect(hung.isEmpty, "store calls that did not return within 20 s of the last disconnection: \(hung.sorted { $0.key < $1.key }.map(\.value))")
        if hung.isEmpty {
            for worker in workers { await worker.value }
        }
        #expect(outcomes.withLock { $0["ok", default: 0] } > 0)
        // Calls given up leave their stuck tasks behind; the pool must still serve new work
        // (retried while a loaded machine answers slowly, as the runtime would).
        let probeStart = ContinuousClock.now
        var probed = false
        while hung.isEmpty, !probed, ContinuousClock.now - probeStart < .seconds(15) {
            probed = try await Self.commitOnce(store, id: "after")
            if !probed { try await Task.sleep(for: .milliseconds(100)) }
        }
        if probed { #expect(try await store.versionedInstance(id: "after")?.revision == 1) }
        let probe = ContinuousClock.now - probeStart
        #expect(probed, "no commit succeeded within 15 s after the disconnections")
        print("terminated connections: \(terminated) backends ended, outcomes \(outcomes.withLock { $0 }), slowest call \(slowest.withLock { $0 }), hung \(hung.count), commit after \(probe)")
        if hung.isEmpty { await store.close() }
    }
}

extension PostgresDisconnectTests {
    /// Commits a new instance: true once it is stored (a `.stale` refusal means an earlier try
    /// was applied after all, its answer lost), false on a retryable error, throws otherwise.
    static func commitOnce(_ store: PostgresStore, id: String) async throws -> Bool {
        do {
            try await store.commit(StoreBatch.history(plainInstance(id), [event(1, .workflowStarted)]))
            return true
        } catch {
            if error.code == .stale { return true }
            if error.isRetryable { return false }
            throw error
        }
    }
}

/// A value tasks share, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout sending Value) -> sending T) -> T { value.withLock(body) }
}
