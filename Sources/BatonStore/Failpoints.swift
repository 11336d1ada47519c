#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Named points where the fault-injection tests make Baton die, exactly there.
///
/// Off unless the environment variable `BATON_FAILPOINTS` names them, so production code pays one
/// relaxed atomic load per point. `BATON_FAILPOINTS=after-store-commit@40` ends the process (exit
/// status 86, no cleanup, like `kill -9`) the 40th time that point is reached;
/// `name@40,other@7` arms several. Each point sits between two effects whose order the crash
/// safety depends on, so a test can prove that dying between them loses nothing and applies
/// nothing twice.
public enum Failpoint: String, Sendable, CaseIterable {
    /// In the batch transaction, every row written, before COMMIT.
    case insideBatchTransaction = "inside-batch-transaction"
    /// A consumed batch is committed in the store; its Kafka offsets are not.
    case afterStoreCommit = "after-store-commit"
    /// Outbox rows are committed; the relay has not published them.
    case afterOutboxCommit = "after-outbox-commit"
    /// The relay's messages are delivered (acks=all); their rows are not marked sent.
    case afterPublish = "after-publish"

    /// Call at the point; returns unless this point is armed and its count is reached.
    @inline(__always)
    public func reached() {
        guard Failpoints.shared.armed.load(ordering: .relaxed) else { return }
        Failpoints.shared.hit(self)
    }
}

final class Failpoints: Sendable {
    static let shared = Failpoints(environment: getenv("BATON_FAILPOINTS").map { String(cString: $0) })

    let armed: Atomic<Bool>
    private let remaining: Mutex<[Failpoint: Int]>

    init(environment: String?) {
        var counts: [Failpoint: Int] = [:]
        for item in (environment ?? "").split(separator: ",") {
            let parts = item.split(separator: "@", maxSplits: 1).map { String($0).trimmingSpaces }
            guard let point = Failpoint(rawValue: parts[0]) else {
                Self.writeError("BATON_FAILPOINTS: unknown failpoint '\(parts[0])' (known: \(Failpoint.allCases.map(\.rawValue).joined(separator: ", ")))\n")
                continue
            }
            counts[point] = parts.count > 1 ? max(1, Int(parts[1]) ?? 1) : 1
        }
        armed = Atomic(!counts.isEmpty)
        remaining = Mutex(counts)
    }

    /// Straight to file descriptor 2: nothing buffered is lost to `_exit`.
    static func writeError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(2, &bytes, bytes.count)
    }

    func hit(_ point: Failpoint) {
        let fire = remaining.withLock { counts -> Bool in
            guard let left = counts[point] else { return false }
            if left <= 1 { return true }
            counts[point] = left - 1
            return false
        }
        guard fire else { return }
        Self.writeError("BATON_FAILPOINTS: failpoint \(point.rawValue) reached; exiting now (status 86)\n")
        _exit(86)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
