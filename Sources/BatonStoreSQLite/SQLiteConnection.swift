import BatonStore
import CSQLite

/// Owns one `sqlite3*` handle and its prepared statements.
///
/// Not thread-safe on purpose: `SQLiteStore` confines it to one serial queue, which is also why the
/// handle is opened with `SQLITE_OPEN_NOMUTEX` (no per-call mutex). `deinit` finalizes every cached
/// statement and closes the handle, so dropping the last reference releases the file.
final class SQLiteConnection {
    let path: String
    let handle: OpaquePointer
    /// Statements by SQL text: each distinct SQL is compiled once per connection.
    private var statements: [String: SQLiteStatement] = [:]
    private var isOpen = true

    init(path: String) throws(StoreError) {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError.sqlite(rc, message: message, context: "opening \(path)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { close() }

    /// Finalizes every statement and closes the handle. Idempotent; nothing may use the
    /// connection afterwards.
    func close() {
        guard isOpen else { return }
        isOpen = false
        for statement in statements.values { statement.finalize() }
        statements = [:]
        sqlite3_close_v2(handle)
    }

    /// The store error for a failed call, with the connection's current message.
    ///
    /// Call it right after the failure: the next SQLite call (e.g. ROLLBACK) overwrites the message.
    func error(_ rc: Int32, context: String, file: String = #fileID, line: Int = #line) -> StoreError {
        StoreError.sqlite(rc, message: String(cString: sqlite3_errmsg(handle)), context: context, file: file, line: line)
    }

    /// Runs one or more statements that take no parameters (pragmas, DDL, BEGIN/COMMIT).
    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    func execute(_ sql: String) throws(StoreError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        if rc != SQLITE_OK { throw error(rc, context: "executing '\(sql.prefix(60))'") }
    }

    /// The cached prepared statement for `sql`, compiling it on first use.
    func statement(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        var raw: OpaquePointer?
        // PERSISTENT: the statement lives as long as the connection, so let SQLite place it accordingly.
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else {
            throw error(rc, context: "preparing '\(sql.prefix(60))'")
        }
        let statement = SQLiteStatement(handle: raw, sql: sql, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Runs `body` with the statement for `sql` and resets it afterwards, so a half-read query
    /// never keeps a read transaction open.
    func withStatement<T>(_ sql: String, _ body: (SQLiteStatement) throws(StoreError) -> T) throws(StoreError) -> T {
        let statement = try statement(sql)
        defer { statement.reset() }
        return try body(statement)
    }

    /// Runs `body` in a `BEGIN IMMEDIATE … COMMIT` transaction, rolling back if anything throws.
    ///
    /// IMMEDIATE takes the write lock up front, so a busy database fails at BEGIN (retryable)
    /// rather than half-way through the batch.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        // Prepared once like any other statement: the commit path runs these thousands of times a second.
        try statement("BEGIN IMMEDIATE").run()
        do {
            let result = try body()
            try statement("COMMIT").run()
            return result
        } catch {
            rollback()
            throw error
        }
    }

    /// Rolls back the open transaction, if SQLite has not already done so itself (it does on
    /// some errors, e.g. SQLITE_FULL).
    func rollback() {
        if sqlite3_get_autocommit(handle) == 0 {
            sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
        }
    }

    var totalChanges: Int { Int(sqlite3_total_changes64(handle)) }

    var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Sets how long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }
}
