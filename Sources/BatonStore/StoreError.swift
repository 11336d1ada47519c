/// A store operation failed.
///
/// `isRetryable` tells the runtime whether to back off and try again (a locked or full database,
/// a lost connection) or to stop (a corrupt file, a second process owning the store).
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Another process owns the store.
        public static let locked = Code(rawValue: "locked")
        /// The database is busy, read-only or out of space for now.
        public static let unavailable = Code(rawValue: "unavailable")
        /// A unique key exists already (dedupe mark, definition version).
        public static let conflict = Code(rawValue: "conflict")
        /// A batch was decided on an instance revision that is no longer the stored one (another
        /// writer committed it since), or it creates an instance that exists: decide it again.
        public static let stale = Code(rawValue: "stale")
        /// Stored data could not be decoded, or the schema is newer than this build.
        public static let corrupt = Code(rawValue: "corrupt")
        /// Bad arguments from the caller.
        public static let invalid = Code(rawValue: "invalid")
        /// Anything else the database reported.
        public static let database = Code(rawValue: "database")
    }

    public var code: Code
    public var message: String
    public var isRetryable: Bool
    /// The database's own error code (e.g. SQLITE_FULL = 13), when there is one.
    public var underlyingCode: Int32?
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, isRetryable: Bool = false, underlyingCode: Int32? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.isRetryable = isRetryable
        self.underlyingCode = underlyingCode
        self.file = file
        self.line = line
    }

    public var description: String {
        "store error (\(code)\(underlyingCode.map { ", code \($0)" } ?? "")): \(message)"
    }
}

extension StoreError {
    /// The `.stale` refusal of a compare-and-set instance write, worded the same by every backend.
    ///
    /// - Parameters:
    ///   - expected: the revision the batch was decided from; nil for a new instance.
    ///   - found: the stored revision; nil when the instance is not stored.
    public static func staleInstance(_ id: String, expected: Int64?, found: Int64?, file: String = #fileID, line: Int = #line) -> StoreError {
        let message = switch (expected, found) {
        case (nil, let found?): "instance '\(id)' exists already (revision \(found)): another writer created it"
        case (let expected?, nil): "instance '\(id)' was decided from revision \(expected) but is not stored"
        case (let expected?, let found?): "instance '\(id)' was decided from revision \(expected) but another writer has committed revision \(found)"
        case (nil, nil): "instance '\(id)' could not be written"
        }
        return StoreError(.stale, message + "; nothing of the batch was written", file: file, line: line)
    }
}
