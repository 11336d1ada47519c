import BatonExpressions
import BatonStore

extension SQLiteStatement {
    /// Parses a JSON TEXT column in place, without copying its bytes; SQL NULL is `nil`.
    ///
    /// A column that does not parse means the file was changed outside Baton: `.corrupt`.
    func json(_ column: Int32, _ what: @autoclosure () -> String) throws(StoreError) -> JSONValue? {
        if isNull(column) { return nil }
        return try withBytes(column) { bytes throws(StoreError) in
            do {
                return try JSONValue.parse(bytes)
            } catch {
                throw StoreError(.corrupt, "\(what()) is not valid JSON (\(error)); restore the database from a backup")
            }
        }
    }
}
