import BatonCore
import BatonSecurity
import BatonStore
import BatonStorePostgres
import BatonStoreSQLite
import Foundation
import Logging

/// `baton keys create | list | revoke`: API keys managed on the store itself — how the first
/// admin key comes to exist. A PostgreSQL store can be reached while Baton runs; a SQLite file is
/// Baton's alone while it runs, so stop it first there.
public struct APIKeyCommands: Sendable {
    public let location: StoreLocation
    public let logger: Logger

    public init(location: StoreLocation, logger: Logger = Logger(label: "baton.keys")) {
        self.location = location
        self.logger = logger
    }

    /// Creates a key and returns the report to print, the token in it (shown this once).
    public func create(name: String, grants: [String], expiresIn: String?, by actor: String, now: Timestamp = .wallClock) async throws -> String {
        let (key, token) = try APIKeyIssue.make(name: name, grants: grants, expiresIn: expiresIn, by: actor, at: now, roles: try RoleCatalog())
        let expiry = key.expiresAt
        // Creating the first key may come before Baton's first start: the store is made if missing.
        try await withStore(creating: true) { store throws(StoreError) in
            try await store.createAPIKey(key)
            _ = try await store.appendAudit(AuditEntry(
                time: now, actor: actor, action: "key.create", target: "key:\(key.id)", outcome: "ok", detail: "\(name): \(grants.joined(separator: ","))"))
        }
        return """
            created API key \(key.id) '\(name)': \(grants.joined(separator: ", "))\(expiry.map { "; expires \($0.iso8601)" } ?? "")
            its token, shown this once (send it as Authorization: Bearer …):
            \(token)
            """
    }

    /// `baton dev`'s admin key: revokes the one an earlier start made (its token was printed
    /// then and is gone) and creates another, returning its token to print with the start-up lines.
    public func issueDevelopmentKey(name: String = "dev-admin", now: Timestamp = .wallClock) async throws -> (id: String, token: String) {
        let (key, token) = APIKey.generate(name: name, grants: ["admin"], createdBy: "baton dev", at: now)
        try await withStore(creating: true) { store throws(StoreError) in
            for old in try await store.apiKeys() where old.name == name && old.revokedAt == nil {
                _ = try await store.revokeAPIKey(id: old.id, at: now)
                _ = try await store.appendAudit(AuditEntry(time: now, actor: "baton dev", action: "key.revoke", target: "key:\(old.id)", outcome: "ok", detail: name))
            }
            try await store.createAPIKey(key)
            _ = try await store.appendAudit(AuditEntry(time: now, actor: "baton dev", action: "key.create", target: "key:\(key.id)", outcome: "ok", detail: "\(name): admin"))
        }
        return (key.id, token)
    }

    /// Walks the store's audit chain from its first record: the count and last hash, or the first
    /// broken link (then `intact` is false).
    public func verifyAudit() async throws -> (intact: Bool, report: String) {
        try await withStore { store throws(StoreError) -> (Bool, String) in
            var last: AuditRecord?
            while true {
                let records = try await store.auditRecords(AuditQuery(afterSequence: last?.sequence ?? 0, limit: 1000))
                if let broken = AuditChain.firstBreak(in: records, after: last) {
                    return (false, "audit chain BROKEN at \(broken) — records before it are intact")
                }
                guard let end = records.last else { break }
                last = end
            }
            guard let last else { return (true, "audit log empty") }
            return (true, "audit chain intact: \(last.sequence) records, last hash \(LowercaseHex.encode(last.hash)) (\(last.entry.time.iso8601))")
        }
    }

    /// A table of every key, revoked and expired ones included.
    public func list(now: Timestamp = .wallClock) async throws -> String {
        let keys = try await withStore { store throws(StoreError) in try await store.apiKeys() }
        guard !keys.isEmpty else { return "no API keys" }
        let rows = [["ID", "NAME", "GRANTS", "CREATED", "EXPIRES", "STATE", "LAST USED"]] + keys.map { key in
            let state = key.revokedAt != nil ? "revoked" : (key.expiresAt.map { $0 <= now } ?? false) ? "expired" : "active"
            return [
                key.id, key.name, key.grants.joined(separator: ","), key.createdAt.iso8601, key.expiresAt?.iso8601 ?? "never", state, key.lastUsedAt?.iso8601 ?? "never",
            ]
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// Revokes the key `id`: it authenticates nothing from now on.
    public func revoke(id: String, by actor: String = "cli", now: Timestamp = .wallClock) async throws -> String {
        let revoked = try await withStore { store throws(StoreError) -> APIKey? in
            let key = try await store.revokeAPIKey(id: id, at: now)
            _ = try await store.appendAudit(AuditEntry(
                time: now, actor: actor, action: "key.revoke", target: "key:\(id)", outcome: key == nil ? "failed:unknown" : "ok", detail: key?.name ?? ""))
            return key
        }
        guard let key = revoked else {
            throw StoreError(.invalid, "no API key with id '\(id)' (baton keys list shows them)")
        }
        return "revoked API key \(key.id) '\(key.name)' at \(key.revokedAt?.iso8601 ?? now.iso8601)"
    }

    private func withStore<T: Sendable>(creating: Bool = false, _ body: (any TransferableStore) async throws(StoreError) -> T) async throws(StoreError) -> T {
        let store: any TransferableStore
        switch location {
        case .sqlite(let path):
            guard creating || FileManager.default.fileExists(atPath: path) else { throw StoreError(.invalid, "no SQLite store at '\(path)'") }
            store = try await SQLiteStore.open(.init(path: path))
        case .postgres(let configuration):
            store = try await PostgresStore.open(configuration, ownership: .shared, logger: logger)
        }
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}
