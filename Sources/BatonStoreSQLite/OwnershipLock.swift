import BatonStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<database>.lock`, held for as long as a store has the database open.
///
/// Baton's correctness rests on one writer per database (dedupe checks happen before the commit,
/// in the process). SQLite's own locking allows many writers in turn, so two Baton processes on
/// one file would both "succeed" and double-apply inputs; this lock makes the second one fail at
/// start-up instead. `flock` locks belong to the open file description, so a second store in the
/// same process is refused too, and the kernel drops the lock if the process dies.
final class OwnershipLock {
    let path: String
    private var descriptor: Int32

    /// Locks `<databasePath>.lock`, creating it if needed.
    init(databasePath: String) throws(StoreError) {
        let path = databasePath + ".lock"
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            throw StoreError(
                .unavailable, "cannot open the lock file \(path): \(describeErrno(code)); check that the directory exists and is writable",
                underlyingCode: code)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let owner = OwnershipLock.readOwner(fd)
            close(fd)
            if code == EWOULDBLOCK {
                let who = owner.map { $0 == getpid() ? "pid \($0), this process" : "pid \($0)" } ?? "pid unknown"
                throw StoreError(
                    .locked,
                    "the database \(databasePath) is in use by another Baton process (\(who)); stop it, or give this process its own database path",
                    underlyingCode: code)
            }
            throw StoreError(.unavailable, "cannot lock \(path): \(describeErrno(code))", isRetryable: true, underlyingCode: code)
        }
        descriptor = fd
        // Record the owner so that a refused opener can name it. Best effort: the lock itself is the truth.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { release() }

    /// Drops the lock; the file stays, so the next owner locks the same inode. Idempotent.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    private static func readOwner(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).split(whereSeparator: \.isWhitespace).first
        return text.flatMap { Int32($0) }
    }
}

func describeErrno(_ code: Int32) -> String {
    "\(String(cString: strerror(code))) (errno \(code))"
}
