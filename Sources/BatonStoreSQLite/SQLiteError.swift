import BatonStore
import CSQLite

extension StoreError {
    /// Maps a failed SQLite call to the store's error, keeping SQLite's own code and message.
    ///
    /// The split is by what the runtime should do next: busy, locked, full, read-only and I/O
    /// failures can clear up (another reader finishes, an operator frees disk space), so they are
    /// retryable `.unavailable`; a corrupt file never clears up by itself.
    static func sqlite(
        _ resultCode: Int32, message: String, context: String, file: String = #fileID, line: Int = #line
    ) -> StoreError {
        let primary = resultCode & 0xFF
        let text = "\(context): \(message) (SQLite code \(resultCode))"
        switch primary {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(.unavailable, text + "; another connection holds the database, retry later", isRetryable: true, underlyingCode: primary, file: file, line: line)
        case SQLITE_FULL:
            return StoreError(.unavailable, text + "; free disk space (or raise the size limit) and retry", isRetryable: true, underlyingCode: primary, file: file, line: line)
        case SQLITE_READONLY:
            return StoreError(.unavailable, text + "; make the database file, its -wal/-shm files and its directory writable", isRetryable: true, underlyingCode: primary, file: file, line: line)
        case SQLITE_IOERR:
            return StoreError(.unavailable, text + "; check the disk and the file system", isRetryable: true, underlyingCode: primary, file: file, line: line)
        case SQLITE_CONSTRAINT:
            if resultCode == sqliteConstraintForeignKey {
                return StoreError(.invalid, text + "; every history event and step execution needs its instance in the store or the same batch", underlyingCode: primary, file: file, line: line)
            }
            return StoreError(.conflict, text, underlyingCode: primary, file: file, line: line)
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return StoreError(.corrupt, text + "; restore the database from a backup", underlyingCode: primary, file: file, line: line)
        case SQLITE_CANTOPEN:
            return StoreError(.unavailable, text + "; check that the directory exists and is writable", underlyingCode: primary, file: file, line: line)
        default:
            return StoreError(.database, text, underlyingCode: primary, file: file, line: line)
        }
    }
}

/// `SQLITE_CONSTRAINT_FOREIGNKEY`; the C macro is an expression, which Swift does not import.
private let sqliteConstraintForeignKey: Int32 = SQLITE_CONSTRAINT | (3 << 8)
