import BatonCore
import BatonExpressions
import BatonStore

extension SQLiteStore {
    /// Stores the next version of `id`; reading the latest version and inserting the next one
    /// happen in one transaction, so versions are gapless even with concurrent registrations.
    public func registerDefinition(id: String, document: JSONValue, at time: Timestamp) async throws(StoreError) -> Int {
        let bytes = document.serializedBytes()
        return try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let version = try connection.withStatement("SELECT COALESCE(MAX(version), 0) + 1 FROM definitions WHERE id = ?1") { statement throws(StoreError) in
                    try statement.bind(1, id)
                    return try statement.step() ? statement.int(0) : 1
                }
                let insert = try connection.statement("INSERT INTO definitions (id, version, document, created_at) VALUES (?1, ?2, ?3, ?4)")
                try insert.bind(1, id)
                try insert.bind(2, version)
                try insert.bind(3, text: bytes)
                try insert.bind(4, time.milliseconds)
                try insert.run()
                return version
            }
        }
    }

    public func definition(id: String, version: Int?) async throws(StoreError) -> DefinitionRecord? {
        try await perform { connection throws(StoreError) in
            let sql = version == nil
                ? "SELECT id, version, document, created_at FROM definitions WHERE id = ?1 ORDER BY version DESC LIMIT 1"
                : "SELECT id, version, document, created_at FROM definitions WHERE id = ?1 AND version = ?2"
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, id)
                if let version { try statement.bind(2, version) }
                return try statement.step() ? try Self.definitionRecord(statement) : nil
            }
        }
    }

    public func definitionVersions(id: String) async throws(StoreError) -> [DefinitionRecord] {
        try await perform { connection throws(StoreError) in
            try connection.withStatement("SELECT id, version, document, created_at FROM definitions WHERE id = ?1 ORDER BY version") { statement throws(StoreError) in
                try statement.bind(1, id)
                var records: [DefinitionRecord] = []
                while try statement.step() { records.append(try Self.definitionRecord(statement)) }
                return records
            }
        }
    }

    /// One summary per definition id, ordered by id; `updatedAt` is when the latest version was registered.
    public func definitions() async throws(StoreError) -> [DefinitionSummary] {
        try await perform { connection throws(StoreError) in
            let sql = """
                SELECT d.id, d.version, counts.n, d.created_at
                FROM (SELECT id, MAX(version) AS latest, COUNT(*) AS n FROM definitions GROUP BY id) AS counts
                JOIN definitions AS d ON d.id = counts.id AND d.version = counts.latest
                ORDER BY d.id
                """
            return try connection.withStatement(sql) { statement throws(StoreError) in
                var summaries: [DefinitionSummary] = []
                while try statement.step() {
                    summaries.append(DefinitionSummary(
                        id: statement.string(0), latestVersion: statement.int(1), versionCount: statement.int(2),
                        updatedAt: Timestamp(milliseconds: statement.int64(3))))
                }
                return summaries
            }
        }
    }

    private static func definitionRecord(_ statement: SQLiteStatement) throws(StoreError) -> DefinitionRecord {
        let id = statement.string(0)
        let version = statement.int(1)
        let document = try statement.json(2, "the document of definition '\(id)' version \(version)") ?? .null
        return DefinitionRecord(id: id, version: version, document: document, createdAt: Timestamp(milliseconds: statement.int64(3)))
    }
}

extension SQLiteStore {
    public func runningInstanceIds(workflowId: String, businessKey key: String) async throws(StoreError) -> [String] {
        try await performRead { connection throws(StoreError) in
            let sql = "SELECT id FROM instances WHERE workflow_id = ?1 AND business_key = ?2 AND status IN ('QUEUED', 'RUNNING', 'PAUSED') ORDER BY id"
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, workflowId)
                try statement.bind(2, key)
                var ids: [String] = []
                while try statement.step() { ids.append(statement.string(0)) }
                return ids
            }
        }
    }

    public func instanceCounts(workflowId: String) async throws(StoreError) -> [InstanceCount] {
        try await performRead { connection throws(StoreError) in
            let sql = "SELECT workflow_version, status, COUNT(*) FROM instances WHERE workflow_id = ?1 GROUP BY workflow_version, status ORDER BY workflow_version, status"
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, workflowId)
                var counts: [InstanceCount] = []
                while try statement.step() {
                    let statusText = statement.string(1)
                    guard let status = InstanceStatus(rawValue: statusText) else {
                        throw StoreError(.corrupt, "an instance of '\(workflowId)' has the unknown status '\(statusText)'")
                    }
                    counts.append(InstanceCount(version: statement.int(0), status: status, count: statement.int(2)))
                }
                return counts
            }
        }
    }
}
