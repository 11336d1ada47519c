import BatonCore
import BatonExpressions
import BatonStore
import Logging
import PostgresNIO

extension PostgresStore {
    public func versionedInstance(id: String) async throws(StoreError) -> VersionedInstance? {
        let loaded = try await run("read instance '\(id)'") { [self] connection -> (row: PostgresRow, parts: [PostgresRow])? in
            let rows = try await connection.query("SELECT id, state, revision FROM instances WHERE id = \(id)", logger: logger).collect()
            guard let row = rows.first else { return nil }
            let parts = try await Self.partRows(of: row, connection: connection, logger: logger)
            return (row, parts)
        }
        guard let loaded else { return nil }
        let (_, _, revision) = try decode(loaded.row, (String, ByteBuffer, Int64).self, "instance '\(id)'")
        return VersionedInstance(instance: try decodeInstance(loaded.row, parts: loaded.parts), revision: revision)
    }

    /// Newest first by `(createdAt, id)`. The cursor is the last row's key, so pages neither skip
    /// nor repeat rows when instances are added between calls (new ones appear only on page one).
    ///
    /// - Throws: `.invalid` for a limit outside 1...1000 or a cursor this store did not return.
    public func instances(_ query: InstanceQuery) async throws(StoreError) -> InstancePage {
        let cursor = try query.validatedCursor()
        var conditions = PostgresQuery.StringInterpolation(literalCapacity: 128, interpolationCount: 5)
        conditions.appendLiteral("SELECT id, state FROM instances WHERE TRUE")
        if let workflowId = query.workflowId {
            conditions.appendLiteral(" AND workflow_id = ")
            conditions.appendInterpolation(workflowId)
        }
        if let status = query.status {
            conditions.appendLiteral(" AND status = ")
            conditions.appendInterpolation(status.rawValue)
        }
        if let parentId = query.parentId {
            conditions.appendLiteral(" AND parent_id = ")
            conditions.appendInterpolation(parentId)
        }
        if let cursor {
            conditions.appendLiteral(" AND (created_at, id) < (")
            conditions.appendInterpolation(cursor.createdAt)
            conditions.appendLiteral(", ")
            conditions.appendInterpolation(cursor.id)
            conditions.appendLiteral(")")
        }
        // One extra row tells whether another page exists.
        conditions.appendLiteral(" ORDER BY created_at DESC, id DESC LIMIT ")
        conditions.appendInterpolation(query.limit + 1)
        let listing = PostgresQuery(stringInterpolation: conditions)
        let loaded = try await run("list instances") { [self] connection -> [(row: PostgresRow, parts: [PostgresRow])] in
            var loaded: [(row: PostgresRow, parts: [PostgresRow])] = []
            for row in try await connection.query(listing, logger: logger).collect() {
                loaded.append((row, try await Self.partRows(of: row, connection: connection, logger: logger)))
            }
            return loaded
        }
        var instances: [WorkflowInstance] = []
        for item in loaded.prefix(query.limit) { instances.append(try decodeInstance(item.row, parts: item.parts)) }
        let next = loaded.count > query.limit ? instances.last.map { InstanceCursor(createdAt: $0.createdAt.milliseconds, id: $0.id).encoded } : nil
        return InstancePage(instances: instances, nextCursor: next)
    }

    /// The part rows of an instance row `(id, state, …)`: only instances with a foreach step (or
    /// a large input) have parts, the others cost no query.
    private static func partRows(of row: PostgresRow, connection: PostgresConnection, logger: Logger) async throws -> [PostgresRow] {
        let (id, state) = try row.decode((String, ByteBuffer).self)
        guard hasParts(state) else { return [] }
        return try await connection.query("SELECT part, revision, data FROM instance_parts WHERE instance_id = \(id)", logger: logger).collect()
    }

    /// A cheap look at the document's bytes before parsing it: the keys that announce parts.
    private static func hasParts(_ state: ByteBuffer) -> Bool {
        let view = state.readableBytesView
        return view.firstRange(of: Array("\"inputPart\"".utf8)) != nil || view.firstRange(of: Array("\"foreach\"".utf8)) != nil
    }

    /// Decodes a row `(id, state, …)` and its part rows `(part, revision, data)`.
    private func decodeInstance(_ row: PostgresRow, parts partRows: [PostgresRow]) throws(StoreError) -> WorkflowInstance {
        let (id, state) = try decode(row, (String, ByteBuffer).self, "an instance")
        let json = try state.json("the state of instance '\(id)'")
        var parts: [String: JSONValue] = [:]
        if !partRows.isEmpty {
            var revisions: [String: Int] = [:]
            for partRow in partRows {
                let (key, revision, data) = try decode(partRow, (String, Int, ByteBuffer).self, "a part of instance '\(id)'")
                revisions[key] = revision
                parts[key] = try data.json("part '\(key)' of instance '\(id)'")
            }
            writtenParts.read(instanceId: id, revisions: revisions)
        }
        do {
            return try StoredInstanceDecoder.decode(json, parts: parts)
        } catch {
            throw StoreError(.corrupt, "the state of instance '\(id)' is not a workflow instance (\(error.message)); restore the database from a backup")
        }
    }
}
