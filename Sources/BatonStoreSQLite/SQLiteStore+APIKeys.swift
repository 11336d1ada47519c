import BatonCore
import BatonExpressions
import BatonSecurity
import BatonStore

extension SQLiteStore: APIKeyStore {
    static let apiKeyColumns = "id, name, grants, salt, digest, created_at, created_by, expires_at, revoked_at, last_used_at"

    public func createAPIKey(_ key: APIKey) async throws(StoreError) {
        let grants = JSONValue.array(key.grants.map(JSONValue.string)).serializedBytes()
        try await perform { connection throws(StoreError) in
            do throws(StoreError) {
                try connection.withStatement("INSERT INTO api_keys (\(Self.apiKeyColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)") { statement throws(StoreError) in
                    try statement.bind(1, key.id)
                    try statement.bind(2, key.name)
                    try statement.bind(3, text: grants)
                    try statement.bind(4, blob: key.salt)
                    try statement.bind(5, blob: key.digest)
                    try statement.bind(6, key.createdAt.milliseconds)
                    try statement.bind(7, key.createdBy)
                    try statement.bind(8, key.expiresAt.map { Int($0.milliseconds) })
                    try statement.bind(9, key.revokedAt.map { Int($0.milliseconds) })
                    try statement.bind(10, key.lastUsedAt.map { Int($0.milliseconds) })
                    try statement.run()
                }
            } catch where error.code == .conflict {
                throw error.message.contains("api_keys.id") ? StoreError(.conflict, "an API key with id '\(key.id)' exists") : StoreError.apiKeyNameTaken(key.name)
            }
        }
    }

    public func apiKeys() async throws(StoreError) -> [APIKey] {
        try await performRead { connection throws(StoreError) in
            try connection.withStatement("SELECT \(Self.apiKeyColumns) FROM api_keys ORDER BY created_at, id") { statement throws(StoreError) in
                var keys: [APIKey] = []
                while try statement.step() { keys.append(try Self.readAPIKey(statement)) }
                return keys
            }
        }
    }

    public func apiKey(id: String) async throws(StoreError) -> APIKey? {
        try await performRead { connection throws(StoreError) in try Self.readAPIKey(id: id, connection) }
    }

    public func revokeAPIKey(id: String, at time: Timestamp) async throws(StoreError) -> APIKey? {
        try await perform { connection throws(StoreError) in
            try connection.withStatement("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL") { statement throws(StoreError) in
                try statement.bind(1, id)
                try statement.bind(2, time.milliseconds)
                try statement.run()
            }
            return try Self.readAPIKey(id: id, connection)
        }
    }

    public func recordAPIKeyUse(id: String, at time: Timestamp) async throws(StoreError) {
        try await perform { connection throws(StoreError) in
            try connection.withStatement("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2)") { statement throws(StoreError) in
                try statement.bind(1, id)
                try statement.bind(2, time.milliseconds)
                try statement.run()
            }
        }
    }

    static func readAPIKey(id: String, _ connection: SQLiteConnection) throws(StoreError) -> APIKey? {
        try connection.withStatement("SELECT \(apiKeyColumns) FROM api_keys WHERE id = ?1") { statement throws(StoreError) in
            try statement.bind(1, id)
            return try statement.step() ? try readAPIKey(statement) : nil
        }
    }

    static func readAPIKey(_ statement: SQLiteStatement) throws(StoreError) -> APIKey {
        let id = statement.string(0)
        let grants: [String]
        do {
            grants = try JSONValue.parse(statement.blob(2)).arrayValue?.compactMap(\.stringValue) ?? []
        } catch {
            throw StoreError(.corrupt, "the grants of API key '\(id)' are not a JSON array of strings")
        }
        func time(_ column: Int32) -> Timestamp? { statement.isNull(column) ? nil : Timestamp(milliseconds: statement.int64(column)) }
        return APIKey(
            id: id, name: statement.string(1), grants: grants, salt: statement.blob(3), digest: statement.blob(4),
            createdAt: Timestamp(milliseconds: statement.int64(5)), createdBy: statement.string(6), expiresAt: time(7), revokedAt: time(8), lastUsedAt: time(9)
        )
    }
}
