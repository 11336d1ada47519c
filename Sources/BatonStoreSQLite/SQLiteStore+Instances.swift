import BatonCore
import BatonExpressions
import BatonStore

extension SQLiteStore {
    public func versionedInstance(id: String) async throws(StoreError) -> VersionedInstance? {
        try await performRead { connection throws(StoreError) in
            try connection.withStatement("SELECT id, state, revision FROM instances WHERE id = ?1") { statement throws(StoreError) in
                try statement.bind(1, id)
                guard try statement.step() else { return nil }
                return VersionedInstance(instance: try self.decodeInstance(statement, connection), revision: statement.int64(2))
            }
        }
    }

    /// Newest first by `(createdAt, id)`. The cursor is the last row's key, so pages neither skip
    /// nor repeat rows when instances are added between calls (new ones appear only on page one).
    ///
    /// - Throws: `.invalid` for a limit outside 1...1000 or a cursor this store did not return.
    public func instances(_ query: InstanceQuery) async throws(StoreError) -> InstancePage {
        let cursor = try query.validatedCursor()
        let sql = Self.listingSQL(byWorkflow: query.workflowId != nil, byStatus: query.status != nil, byParent: query.parentId != nil, afterCursor: cursor != nil)
        return try await performRead { connection throws(StoreError) in
            try connection.withStatement(sql) { statement throws(StoreError) in
                if let workflowId = query.workflowId { try statement.bind(1, workflowId) }
                if let status = query.status { try statement.bind(2, status.rawValue) }
                if let parentId = query.parentId { try statement.bind(6, parentId) }
                if let cursor {
                    try statement.bind(3, cursor.createdAt)
                    try statement.bind(4, cursor.id)
                }
                // One extra row tells whether another page exists.
                try statement.bind(5, query.limit + 1)
                var instances: [WorkflowInstance] = []
                instances.reserveCapacity(query.limit)
                var more = false
                while try statement.step() {
                    if instances.count == query.limit {
                        more = true
                        break
                    }
                    instances.append(try self.decodeInstance(statement, connection))
                }
                let next = more ? instances.last.map { InstanceCursor(createdAt: $0.createdAt.milliseconds, id: $0.id).encoded } : nil
                return InstancePage(instances: instances, nextCursor: next)
            }
        }
    }

    /// One SQL text per filter combination, so each is prepared once and every one can use its index.
    private static func listingSQL(byWorkflow: Bool, byStatus: Bool, byParent: Bool, afterCursor: Bool) -> String {
        var conditions: [String] = []
        if byWorkflow { conditions.append("workflow_id = ?1") }
        if byStatus { conditions.append("status = ?2") }
        if byParent { conditions.append("parent_id = ?6") }
        if afterCursor { conditions.append("(created_at, id) < (?3, ?4)") }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return "SELECT id, state FROM instances\(filter) ORDER BY created_at DESC, id DESC LIMIT ?5"
    }

    /// Decodes the state column of a row `(id, state)`.
    private func decodeInstance(_ statement: SQLiteStatement, _ connection: SQLiteConnection) throws(StoreError) -> WorkflowInstance {
        let id = statement.string(0)
        guard let json = try statement.json(1, "the state of instance '\(id)'") else {
            throw StoreError(.corrupt, "the state of instance '\(id)' is empty; restore the database from a backup")
        }
        // Parts exist only for instances with a foreach step; the others cost no query.
        let hasParts = json["inputPart"] != nil || json["executions"]?.objectValue?.values.contains { $0["foreach"] != nil } ?? false
        var parts: [String: JSONValue] = [:]
        if hasParts {
            var revisions: [String: Int] = [:]
            try connection.withStatement("SELECT part, revision, data FROM instance_parts WHERE instance_id = ?1") { parts_ throws(StoreError) in
                try parts_.bind(1, id)
                while try parts_.step() {
                    let key = parts_.string(0)
                    revisions[key] = parts_.int(1)
                    parts[key] = try parts_.json(2, "part '\(key)' of instance '\(id)'")
                }
            }
            let known = revisions
            writtenParts.read(instanceId: id, revisions: known)
        }
        do {
            return try StoredInstanceDecoder.decode(json, parts: parts)
        } catch {
            throw StoreError(.corrupt, "the state of instance '\(id)' is not a workflow instance (\(error.message)); restore the database from a backup")
        }
    }
}
