import BatonStore
import BatonStorePostgres
import BatonStoreSQLite
import Foundation
import Logging

/// Where `baton store copy` reads or writes: `sqlite:FILE` (or a plain path) or a PostgreSQL URL.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresStore.Configuration)

    /// - Throws: `StoreError` `.invalid` for an empty location or a PostgreSQL URL that does not parse.
    public init(_ text: String) throws(StoreError) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresStore.Configuration(url: text))
        } else {
            let path = text.hasPrefix("sqlite:") ? String(text.dropFirst("sqlite:".count)) : text
            guard !path.isEmpty else { throw StoreError(.invalid, "'\(text)' names no store: use sqlite:FILE or postgres://user@host:port/database") }
            self = .sqlite(path: path)
        }
    }

    /// For reports: the file, or the URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let configuration): configuration.redactedURL
        }
    }

    /// Opens the store for a tool that must be alone with it: a SQLite file is locked against
    /// every other process; a PostgreSQL database takes the exclusive ownership lock. A source
    /// must exist — a mistyped SQLite path would otherwise be created empty and copied as nothing.
    func openForTransfer(asSource: Bool, logger: Logger) async throws(StoreError) -> any TransferableStore {
        switch self {
        case .sqlite(let path):
            if asSource, !FileManager.default.fileExists(atPath: path) {
                throw StoreError(.invalid, "no SQLite store at '\(path)'")
            }
            return try await SQLiteStore.open(.init(path: path))
        case .postgres(let configuration):
            return try await PostgresStore.open(configuration, ownership: .exclusive, logger: logger)
        }
    }
}

extension StoreCopy {
    /// Opens both stores for exclusive use, copies, and closes them (see `copy(from:to:progress:)`).
    public func copy(
        from source: StoreLocation, to target: StoreLocation, logger: Logger = Logger(label: "baton.store-copy"),
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws(StoreError) -> Report {
        guard source != target else { throw StoreError(.invalid, "the source and the target are the same store (\(source))") }
        let from = try await source.openForTransfer(asSource: true, logger: logger)
        let to: any TransferableStore
        do {
            to = try await target.openForTransfer(asSource: false, logger: logger)
        } catch {
            await from.close()
            throw error
        }
        do {
            let report = try await copy(from: from, to: to, progress: progress)
            await from.close()
            await to.close()
            return report
        } catch {
            await from.close()
            await to.close()
            throw error
        }
    }
}
