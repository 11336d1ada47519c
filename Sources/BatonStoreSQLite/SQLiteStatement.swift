import BatonStore
import CSQLite

/// SQLite's `SQLITE_TRANSIENT`: bound bytes are copied, so Swift buffers need not outlive the call.
/// (The C macro is a cast of -1 that Swift cannot import.)
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One prepared statement, compiled once and reused for every row.
///
/// Owned by its `SQLiteConnection`'s cache, which finalizes it; confined to the store's queue like
/// the connection. Indexes are 1-based for parameters and 0-based for columns, as in SQLite.
final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    private unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, sql: String, connection: SQLiteConnection) {
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    func finalize() { sqlite3_finalize(handle) }

    // MARK: Binding

    func bind(_ index: Int32, _ value: Int64) throws(StoreError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ index: Int32, _ value: Double) throws(StoreError) {
        try check(sqlite3_bind_double(handle, index, value))
    }

    func bind(_ index: Int32, _ value: Int) throws(StoreError) {
        try check(sqlite3_bind_int64(handle, index, Int64(value)))
    }

    func bind(_ index: Int32, _ value: Int?) throws(StoreError) {
        if let value { try bind(index, value) } else { try bindNull(index) }
    }

    func bind(_ index: Int32, _ value: String) throws(StoreError) {
        var value = value
        // A native Swift string hands out its UTF-8 storage without copying; SQLite copies it.
        let rc = value.withUTF8 { buffer in bindText(index, buffer) }
        try check(rc)
    }

    func bind(_ index: Int32, _ value: String?) throws(StoreError) {
        if let value { try bind(index, value) } else { try bindNull(index) }
    }

    /// Binds UTF-8 bytes as TEXT (JSON columns stay readable with the `sqlite3` shell).
    func bind(_ index: Int32, text bytes: [UInt8]?) throws(StoreError) {
        guard let bytes else { return try bindNull(index) }
        let rc = bytes.withUnsafeBufferPointer { buffer in bindText(index, buffer) }
        try check(rc)
    }

    func bind(_ index: Int32, blob bytes: [UInt8]?) throws(StoreError) {
        guard let bytes else { return try bindNull(index) }
        let rc = bytes.withUnsafeBufferPointer { buffer in
            // A NULL pointer would bind SQL NULL, so an empty blob is bound explicitly.
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
            return sqlite3_bind_blob(handle, index, base, Int32(buffer.count), transient)
        }
        try check(rc)
    }

    private func bindText(_ index: Int32, _ buffer: UnsafeBufferPointer<UInt8>) -> Int32 {
        // A NULL pointer would bind SQL NULL, so an empty text is bound from a literal.
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return sqlite3_bind_text(handle, index, "", 0, transient) }
        return sqlite3_bind_text(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buffer.count), transient)
    }

    func bindNull(_ index: Int32) throws(StoreError) {
        try check(sqlite3_bind_null(handle, index))
    }

    // MARK: Stepping

    /// Advances to the next row; `false` when the statement is done.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, context: "executing \(sqlPreview)")
        }
    }

    /// Runs a statement that returns no rows, then makes it ready for the next bindings.
    func run() throws(StoreError) {
        defer { reset() }
        while try step() {}
    }

    /// Ends the current execution and drops its bindings, so no read transaction stays open.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    func optionalBlob(_ column: Int32) -> [UInt8]? { isNull(column) ? nil : blob(column) }

    /// Hands the column's bytes to `body` without copying them; valid only inside `body`.
    func withBytes<T, E: Error>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        // sqlite3_column_blob then _bytes is the documented order for getting untranslated bytes.
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }

    private func check(_ rc: Int32) throws(StoreError) {
        if rc != SQLITE_OK { throw connection.error(rc, context: "binding a parameter of \(sqlPreview)") }
    }

    /// The statement's first words, enough to tell which one failed.
    var sqlPreview: String {
        let words = sql.split(whereSeparator: \.isWhitespace).prefix(4).joined(separator: " ")
        return "'\(words) …'"
    }
}
