import BatonCore
import BatonExpressions
import BatonStore
import BatonStoreSQLite
import Foundation
import Testing

/// The write-ahead log is copied back by the background checkpointer and starts over, so it
/// stays bounded under a writer that never pauses, and what was committed is all there after a
/// reopen.
@Suite("SQLite checkpoints")
struct SQLiteCheckpointTests {
    @Test(.timeLimit(.minutes(1)))
    func theLogStaysBoundedUnderContinuousCommitsAndNothingIsLost() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let path = directory + "/baton.db"
        let store = try await SQLiteStore.open(.init(path: path))
        // 300 instances of ~3 KB, each rewritten by every commit: about 300 pages per commit, so
        // 200 commits write some 240 MB of log frames; without checkpoints the log would hold them all.
        let padding = String(repeating: "x", count: 3000)
        var instances = (0..<300).map { n in
            var instance = plainInstance(String(format: "ckpt-%04d", n))
            instance.vars = ["padding": .string(padding)]
            return instance
        }
        var largestLog: Int64 = 0
        for round in 1...200 {
            for index in instances.indices {
                instances[index].vars["round"] = .number(Double(round))
                instances[index].updatedAt = at(Int64(round))
            }
            try await store.commitAsSoleWriter(StoreBatch(instances: instances))
            largestLog = max(largestLog, fileSize(path + "-wal"))
        }
        let databaseWhileOpen = fileSize(path)
        let checkpoints = await store.checkpointCounts()
        await store.close()

        // Copied beside the writer, not inside its commits.
        #expect(checkpoints.background > 0, "\(checkpoints)")
        // The threshold is 4,000 pages (16 MB); allow for the commits that land while one runs.
        #expect(largestLog < 48 * 1_048_576, "the log reached \(largestLog / 1_048_576) MB")
        // Pages reach the database file only through checkpoints.
        #expect(databaseWhileOpen > 1_048_576, "the database file was \(databaseWhileOpen) bytes while open")

        let reopened = try await SQLiteStore.open(.init(path: path))
        for instance in [instances[0], instances[150], instances[299]] {
            let stored = try await reopened.instance(id: instance.id)
            #expect(stored?.vars["round"] == .number(200))
        }
        await reopened.close()
    }

    private func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int64) ?? 0
    }
}
