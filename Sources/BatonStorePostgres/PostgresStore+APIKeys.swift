import BatonCore
import BatonExpressions
import BatonSecurity
import BatonStore
import NIOCore
import PostgresNIO

extension PostgresStore: APIKeyStore {
    static let apiKeyColumns = "id, name, grants, salt, digest, created_at, created_by, expires_at, revoked_at, last_used_at"

    public func createAPIKey(_ key: APIKey) async throws(StoreError) {
        let grants = JSONText(JSONValue.array(key.grants.map(JSONValue.string)).serializedBytes())
        let (salt, digest) = (Bytea(key.salt), Bytea(key.digest))
        let (expires, revoked, used) = (key.expiresAt?.milliseconds, key.revokedAt?.milliseconds, key.lastUsedAt?.milliseconds)
        let inserted = try await run("create API key '\(key.name)'") { [self] connection in
            try await connection.query("""
                INSERT INTO api_keys (id, name, grants, salt, digest, created_at, created_by, expires_at, revoked_at, last_used_at)
                VALUES (\(key.id), \(key.name), \(grants), \(salt), \(digest), \(key.createdAt.milliseconds), \(key.createdBy), \(expires), \(revoked), \(used))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger).collect().count
        }
        guard inserted == 0 else { return }
        if try await apiKey(id: key.id) != nil { throw StoreError(.conflict, "an API key with id '\(key.id)' exists") }
        throw StoreError.apiKeyNameTaken(key.name)
    }

    public func apiKeys() async throws(StoreError) -> [APIKey] {
        let rows = try await run("list API keys") { [self] connection in
            try await connection.query("SELECT \(unescaped: Self.apiKeyColumns) FROM api_keys ORDER BY created_at, id", logger: logger).collect()
        }
        var keys: [APIKey] = []
        for row in rows { keys.append(try readAPIKey(row)) }
        return keys
    }

    public func apiKey(id: String) async throws(StoreError) -> APIKey? {
        let rows = try await run("read API key '\(id)'") { [self] connection in
            try await connection.query("SELECT \(unescaped: Self.apiKeyColumns) FROM api_keys WHERE id = \(id)", logger: logger).collect()
        }
        return try rows.first.map { row throws(StoreError) in try readAPIKey(row) }
    }

    public func revokeAPIKey(id: String, at time: Timestamp) async throws(StoreError) -> APIKey? {
        _ = try await run("revoke API key '\(id)'") { [self] connection in
            try await connection.query("UPDATE api_keys SET revoked_at = \(time.milliseconds) WHERE id = \(id) AND revoked_at IS NULL", logger: logger)
        }
        return try await apiKey(id: id)
    }

    public func recordAPIKeyUse(id: String, at time: Timestamp) async throws(StoreError) {
        _ = try await run("record the use of API key '\(id)'") { [self] connection in
            try await connection.query("""
                UPDATE api_keys SET last_used_at = \(time.milliseconds) WHERE id = \(id) AND (last_used_at IS NULL OR last_used_at < \(time.milliseconds))
                """, logger: logger)
        }
    }

    private func readAPIKey(_ row: PostgresRow) throws(StoreError) -> APIKey {
        let (id, name, grantsText, salt, digest, created, createdBy, expires, revoked, used) = try decode(
            row, (String, String, String, ByteBuffer, ByteBuffer, Int64, String, Int64?, Int64?, Int64?).self, "an API key")
        let grants: [String]
        do {
            grants = try JSONValue.parse(Array(grantsText.utf8)).arrayValue?.compactMap(\.stringValue) ?? []
        } catch {
            throw StoreError(.corrupt, "the grants of API key '\(id)' are not a JSON array of strings")
        }
        return APIKey(
            id: id, name: name, grants: grants, salt: salt.bytes, digest: digest.bytes, createdAt: Timestamp(milliseconds: created), createdBy: createdBy,
            expiresAt: expires.map(Timestamp.init(milliseconds:)), revokedAt: revoked.map(Timestamp.init(milliseconds:)), lastUsedAt: used.map(Timestamp.init(milliseconds:))
        )
    }
}
