import BatonStore
import CSQLite
import Dispatch
import Synchronization

/// Copies the write-ahead log back into the database on its own connection and thread, so that
/// commits never wait for a checkpoint.
///
/// SQLite's automatic checkpoint runs inside the `COMMIT` that crosses the threshold: that commit
/// copies every page the log holds and fsyncs the database before it returns, and every step
/// waiting behind it waits too. Measured with `make bench` (sustained load, then half load on the
/// grown store): the automatic checkpoint every 10,000 pages put p99 step latency at 51 ms. Here the
/// writer's commit hook only reports the log's size; past `threshold` pages a PASSIVE checkpoint
/// runs on a second connection while the writer goes on (PASSIVE never takes the write lock). The
/// log can start over only once every frame is copied, and a writer that never pauses always adds
/// some while a pass runs: when a pass ends within `catchUpFrames` of the log's end, the writer
/// copies that rest itself after its next commit (measured: about 100 such catch-ups in a bench
/// run, 5 ms each on average); a larger gap gets another background pass.
///
/// If checkpoints fall behind a writer that never pauses, the log keeps growing; past `limit` pages
/// the writer checkpoints inline (SQLite's own behaviour) to bound it.
final class WALCheckpointer: @unchecked Sendable {
    // @unchecked: `connection` is created, used and closed only on `queue`; `running` is atomic.
    private let path: String
    private let threshold: Int32
    private let limit: Int32
    private let queue: DispatchQueue
    private let running = Atomic(false)
    /// How many log frames the last complete background checkpoint copied (-1: none pending).
    /// The writer compares it with the log's length after its next commit: when the gap is
    /// small it copies the rest itself, so that the log can start over; else another background
    /// pass chases it (each pass is shorter than the last while the checkpointer is faster than
    /// the writer).
    private let backfilled = Atomic<Int32>(-1)
    /// The most frames the writer copies itself.
    private let catchUpFrames: Int32 = 256
    /// Checkpoints run beside the writer, and by the writer itself (catching up, or at `limit`).
    let backgroundCheckpoints = Atomic(0)
    let writerCheckpoints = Atomic(0)
    /// Time the writer spent checkpointing, in microseconds.
    let writerCheckpointMicroseconds = Atomic(0)
    private var connection: SQLiteConnection?
    /// Touched only on the writer's queue.
    private var isAttached = false

    init(path: String, threshold: Int32 = 4000, limit: Int32 = 64000) {
        self.path = path
        self.threshold = threshold
        self.limit = limit
        self.queue = DispatchQueue(label: "baton.store.sqlite.checkpoint")
    }

    /// Installs the commit hook on the writer; replaces SQLite's automatic checkpoint.
    func attach(to writer: SQLiteConnection) {
        isAttached = true
        sqlite3_wal_hook(writer.handle, { context, db, _, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
            checkpointer.committed(walPages: pages, writer: db)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Removes the hook (before the writer closes) and closes the checkpoint connection, waiting
    /// for a running checkpoint to finish. Idempotent.
    func detach(from writer: SQLiteConnection) {
        guard isAttached else { return }
        isAttached = false
        sqlite3_wal_hook(writer.handle, nil, nil)
        queue.sync {
            connection?.close()
            connection = nil
        }
    }

    /// Called by the writer's hook (on the store's queue) after each commit.
    private func committed(walPages pages: Int32, writer: OpaquePointer?) {
        let copied = backfilled.load(ordering: .acquiring)
        if pages >= limit || (copied >= 0 && pages - copied <= catchUpFrames) {
            backfilled.store(-1, ordering: .releasing)
            let start = ContinuousClock.now
            sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            let elapsed = (ContinuousClock.now - start).components
            writerCheckpoints.add(1, ordering: .relaxed)
            writerCheckpointMicroseconds.add(Int(elapsed.seconds) * 1_000_000 + Int(elapsed.attoseconds / 1_000_000_000_000), ordering: .relaxed)
            return
        }
        guard pages >= threshold || copied >= 0, !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        backfilled.store(-1, ordering: .releasing)
        queue.async {
            if let copied = self.checkpoint() { self.backfilled.store(copied, ordering: .releasing) }
            self.running.store(false, ordering: .releasing)
        }
    }

    /// On `queue`; the number of frames copied when every frame the log held at the start was,
    /// else nil. Failures (busy, I/O) are left for the next attempt: the log still holds every
    /// committed page, so nothing is lost by a checkpoint that did not happen.
    private func checkpoint() -> Int32? {
        if connection == nil {
            guard let opened = try? SQLiteConnection(path: path) else { return nil }
            opened.setBusyTimeout(milliseconds: 0)
            // A new connection learns that the database is in WAL mode only when it first reads
            // it; until then a checkpoint does nothing (and reports -1 frames).
            guard (try? opened.execute("SELECT count(*) FROM sqlite_master")) != nil else { return nil }
            connection = opened
        }
        guard let connection else { return nil }
        var logFrames: Int32 = -1
        var copied: Int32 = -1
        let rc = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied)
        if rc == SQLITE_OK { backgroundCheckpoints.add(1, ordering: .relaxed) }
        return rc == SQLITE_OK && logFrames >= 0 && copied == logFrames ? copied : nil
    }
}
