import ArgumentParser
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import BatonStore
import BatonStorePostgres
import Foundation
import Logging

/// `baton bench --waiting 1000,1000000 --processes 1 --store postgres://…`: the waiting run with
/// Baton as a `baton serve` process of its own, so the RSS printed is that process's alone — the
/// broker and the worker stay in the bench process, as they would run on other machines. The
/// bench counts started instances through the database (a shared store, opened beside the serve
/// process), which is why this variant needs PostgreSQL.
///
/// Each count's rate is measured twice: on the broker that carried the million triggers and
/// lifecycle events of the filling, and again after the serve process, the worker and the broker
/// are replaced by fresh ones on the same database. The embedded broker slows down as its logs
/// fill (see README, Performance) and a real Kafka does not, so the second figure is the one that
/// says what the waiting instances themselves cost.
extension BenchCommand {
    func runWaitingServe(
        counts: [Int], properties: [String: String], storeURL: String, database: PostgresStore.Configuration, payload: JSONValue, logger: Logger
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-bench-waiting-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await PostgresStore.open(database, ownership: .shared, logger: logger)
        var rig = try await BenchRig.start(self, processes: 1, properties: properties, storeURL: storeURL, folder: folder, logger: logger)
        do {
            try await rig.children[0].post("/v1/definitions", yaml: benchDefinition(steps: steps))
            try await rig.children[0].post("/v1/definitions", yaml: Self.waitingDefinition)
            try await rig.waitForDefinitions(["bench", "bench-wait"])
            var parked = 0
            var firstRate: Double?
            for target in counts.sorted() {
                let start = ContinuousClock.now
                while parked < target {
                    let chunk = min(10_000, target - parked)
                    let before = try await store.inventory().instances
                    try await publishWaitTriggers(count: chunk, from: parked, producer: rig.producer)
                    parked += chunk
                    try await waitForStarts(store, instances: before + chunk)
                }
                let filling = (ContinuousClock.now - start).benchSeconds
                try await Task.sleep(for: .seconds(2))
                let idle = rig.children[0].memory()
                let aged = try await sustainedWindow(tasks: rig.tasks, producer: rig.producer, payload: payload, prefix: "w\(target)")
                let busy = rig.children[0].memory()
                await rig.stop()
                rig = try await BenchRig.start(self, processes: 1, properties: properties, storeURL: storeURL, folder: folder, logger: logger)
                try await rig.waitForDefinitions(["bench", "bench-wait"])
                let fresh = try await sustainedWindow(tasks: rig.tasks, producer: rig.producer, payload: payload, prefix: "f\(target)")
                let ratio = firstRate.map { fresh.rate / $0 } ?? 1
                if firstRate == nil { firstRate = fresh.rate }
                print(String(
                    format: "waiting   %d instances on a 24 h wait (started in %.1f s): baton serve RSS %.0f MB idle, %.0f MB under load (peak %.0f MB); new work on top: %.0f task steps/s on the broker that carried the filling, %.0f on a fresh broker and serve process (%.2f × the rate with the fewest waiting)",
                    target, filling, idle.rss, busy.rss, busy.peak, aged.rate, fresh.rate, ratio))
            }
        } catch {
            await rig.stop()
            await store.close()
            throw error
        }
        await rig.stop()
        await store.close()
        print("RSS is the baton serve process alone (instance cache \(instanceCacheMiB) MiB); the broker and the worker run in the bench process; the ratio compares fresh-broker rates")
        print("targets: RSS ≤ 512 MB with 1,000,000 waiting; the step rate within 10% of the rate with 1,000 waiting")
    }

    /// Waits until the store holds `instances` instances and the outbox has drained (their
    /// lifecycle events published), for at most 300 s.
    private func waitForStarts(_ store: PostgresStore, instances: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while true {
            // Counting every table is heavy at a million rows: only once the outbox is empty.
            if try await store.outboxCount() == 0, try await store.inventory().instances >= instances { return }
            if ContinuousClock.now > deadline {
                throw ValidationError("waiting instances did not start in 300 s: \(try await store.inventory().instances) of \(instances), \(try await store.outboxCount()) outbox rows left")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
