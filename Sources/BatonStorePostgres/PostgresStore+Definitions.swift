import BatonCore
import BatonExpressions
import BatonStore
import PostgresNIO

extension PostgresStore {
    /// Stores the next version of `id`. Versions stay gapless with several processes registering
    /// at once: the transaction takes an advisory lock on the definition id before it reads the
    /// latest version (a second registration waits, then reads the first one's version).
    public func registerDefinition(id: String, document: JSONValue, at time: Timestamp) async throws(StoreError) -> Int {
        let text = JSONText(document.serializedBytes())
        return try await transaction("register definition '\(id)'") { [self] connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("baton.definition." + id), 0))", logger: logger)
            let rows = try await connection.query("""
                INSERT INTO definitions (id, version, document, created_at)
                SELECT \(id), COALESCE(MAX(version), 0) + 1, \(text), \(time.milliseconds) FROM definitions WHERE id = \(id)
                RETURNING version
                """, logger: logger)
            for try await version in rows.decode(Int.self) { return version }
            throw StoreError(.database, "registering definition '\(id)' returned no version")
        }
    }

    public func definition(id: String, version: Int?) async throws(StoreError) -> DefinitionRecord? {
        let rows = try await run("read definition '\(id)'") { [self] connection in
            if let version {
                try await connection.query("SELECT id, version, document, created_at FROM definitions WHERE id = \(id) AND version = \(version)", logger: logger).collect()
            } else {
                try await connection.query("SELECT id, version, document, created_at FROM definitions WHERE id = \(id) ORDER BY version DESC LIMIT 1", logger: logger).collect()
            }
        }
        return try rows.first.map { row throws(StoreError) in try definitionRecord(row) }
    }

    public func definitionVersions(id: String) async throws(StoreError) -> [DefinitionRecord] {
        let rows = try await run("read the versions of definition '\(id)'") { [self] connection in
            try await connection.query("SELECT id, version, document, created_at FROM definitions WHERE id = \(id) ORDER BY version", logger: logger).collect()
        }
        var records: [DefinitionRecord] = []
        for row in rows { records.append(try definitionRecord(row)) }
        return records
    }

    /// One summary per definition id, ordered by id; `updatedAt` is when the latest version was registered.
    public func definitions() async throws(StoreError) -> [DefinitionSummary] {
        try await run("list definitions") { [self] connection in
            let rows = try await connection.query("""
                SELECT d.id, d.version, counts.n, d.created_at
                FROM (SELECT id, MAX(version) AS latest, COUNT(*) AS n FROM definitions GROUP BY id) AS counts
                JOIN definitions AS d ON d.id = counts.id AND d.version = counts.latest
                ORDER BY d.id
                """, logger: logger)
            var summaries: [DefinitionSummary] = []
            for try await (id, latest, count, updatedAt) in rows.decode((String, Int, Int, Int64).self) {
                summaries.append(DefinitionSummary(id: id, latestVersion: latest, versionCount: count, updatedAt: Timestamp(milliseconds: updatedAt)))
            }
            return summaries
        }
    }

    public func instanceCounts(workflowId: String) async throws(StoreError) -> [InstanceCount] {
        let rows = try await run("count the instances of '\(workflowId)'") { [self] connection in
            var rows: [(Int, String, Int)] = []
            let result = try await connection.query("""
                SELECT workflow_version, status, COUNT(*) FROM instances WHERE workflow_id = \(workflowId)
                GROUP BY workflow_version, status ORDER BY workflow_version, status
                """, logger: logger)
            for try await row in result.decode((Int, String, Int).self) { rows.append(row) }
            return rows
        }
        var counts: [InstanceCount] = []
        for (version, statusText, count) in rows {
            guard let status = InstanceStatus(rawValue: statusText) else {
                throw StoreError(.corrupt, "an instance of '\(workflowId)' has the unknown status '\(statusText)'")
            }
            counts.append(InstanceCount(version: version, status: status, count: count))
        }
        return counts
    }

    public func runningInstanceIds(workflowId: String, businessKey key: String) async throws(StoreError) -> [String] {
        try await run("find the running instance of '\(workflowId)' with key '\(key)'") { [self] connection in
            var ids: [String] = []
            let rows = try await connection.query("""
                SELECT id FROM instances WHERE workflow_id = \(workflowId) AND business_key = \(key) AND status IN ('QUEUED', 'RUNNING', 'PAUSED') ORDER BY id
                """, logger: logger)
            for try await id in rows.decode(String.self) { ids.append(id) }
            return ids
        }
    }

    private func definitionRecord(_ row: PostgresRow) throws(StoreError) -> DefinitionRecord {
        let (id, version, document, createdAt) = try decode(row, (String, Int, ByteBuffer, Int64).self, "a definition")
        return DefinitionRecord(
            id: id, version: version, document: try document.json("the document of definition '\(id)' version \(version)"),
            createdAt: Timestamp(milliseconds: createdAt))
    }
}
