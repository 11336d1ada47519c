import BatonCore

/// Moves everything one store holds into another, empty one — the upgrade path from one SQLite
/// file to PostgreSQL — and compares the two inventories afterwards.
///
/// Rows travel through the target's own `commit(_:)` in batches, so the target encodes and indexes
/// them exactly as if Baton had written them there: timers and event waits are rebuilt from each
/// instance, step executions from its history. Neither store may be in use meanwhile (open the
/// source and the target for exclusive use): a copy of a store that moves is not a copy.
public struct StoreCopy: Sendable {
    public struct Report: Sendable {
        public var source: StoreInventory
        public var target: StoreInventory
        /// The tables whose counts differ (empty: the copy is complete).
        public var mismatches: [String] {
            zip(source.tables, target.tables).filter { $0.count != $1.count }.map { "\($0.name): \($0.count) in the source, \($1.count) in the target" }
        }
    }

    /// Instances per committed batch, and history rows before a batch is committed early.
    public var instancesPerBatch = 200
    public var historyPerBatch = 20_000

    public init() {}

    /// - Throws: `.conflict` when the target is not empty, `.invalid` when a definition version
    ///   cannot be given the same number in the target, or whatever either store throws.
    public func copy(
        from source: any TransferableStore, to target: any TransferableStore, progress: @Sendable (String) -> Void = { _ in }
    ) async throws(StoreError) -> Report {
        let before = try await source.inventory()
        let existing = try await target.inventory()
        guard existing.isEmpty else {
            let held = existing.tables.filter { $0.count > 0 }.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
            throw StoreError(.conflict, "the target store is not empty (\(held)); copy into a new, empty database")
        }
        try await copyDefinitions(source, target)
        progress("definitions: \(before.definitions) versions")
        try await copyInstances(source, target, progress: progress)
        try await copyMarks(source, target)
        progress("dedupe marks: \(before.dedupe), kept events: \(before.bufferedEvents)")
        try await copyOutbox(source, target)
        progress("outbox: \(before.outbox) unpublished, \(before.parkedOutbox) parked")
        try await copyHeld(source, target)
        progress("held task requests: \(before.heldDispatches)")
        for key in try await source.apiKeys() { try await target.createAPIKey(key) }
        progress("API keys: \(before.apiKeys)")
        try await copyAudit(source, target)
        progress("audit records: \(before.auditRecords)")
        try await copyDeadLetters(source, target)
        progress("dead letters: \(before.deadLetters)")
        // Each at version 1 in the target: the version is only a compare-and-set token.
        for schedule in try await source.schedules(workflowId: nil) { try await target.createSchedule(schedule) }
        progress("schedules: \(before.schedules)")
        return Report(source: before, target: try await target.inventory())
    }

    /// In order, so the target computes the same chain: the copy's hashes are the source's.
    private func copyAudit(_ source: any TransferableStore, _ target: any TransferableStore) async throws(StoreError) {
        var after: Int64 = 0
        while true {
            let records = try await source.auditRecords(AuditQuery(afterSequence: after, limit: 1000))
            for record in records {
                let copied = try await target.appendAudit(record.entry)
                guard copied.hash == record.hash else {
                    throw StoreError(.corrupt, "audit record \(record.sequence) does not chain to the same hash in the copy: the source's chain is broken there (baton audit verify)")
                }
            }
            guard let last = records.last, records.count == 1000 else { return }
            after = last.sequence
        }
    }

    private func copyDefinitions(_ source: any TransferableStore, _ target: any TransferableStore) async throws(StoreError) {
        for summary in try await source.definitions() {
            for record in try await source.definitionVersions(id: summary.id).sorted(by: { $0.version < $1.version }) {
                let version = try await target.registerDefinition(id: record.id, document: record.document, at: record.createdAt)
                guard version == record.version else {
                    throw StoreError(.invalid, "definition '\(record.id)' version \(record.version) became version \(version) in the target; its versions in the source are not 1, 2, 3 …")
                }
            }
        }
    }

    private func copyInstances(_ source: any TransferableStore, _ target: any TransferableStore, progress: @Sendable (String) -> Void) async throws(StoreError) {
        var cursor: String?
        var copied = 0
        repeat {
            let page = try await source.instances(InstanceQuery(cursor: cursor, limit: instancesPerBatch))
            var batch = StoreBatch()
            for instance in page.instances {
                batch.instances.append(instance)
                for (timerId, timer) in instance.timers.sorted(by: { $0.key < $1.key }) {
                    batch.timers.append(.set(instanceId: instance.id, timerId: timerId, fireAt: timer.fireAt))
                }
                for (_, wait) in instance.eventWaits.sorted(by: { $0.key < $1.key }) {
                    batch.waits.append(.set(instanceId: instance.id, wait: wait))
                }
                var after = 0
                while true {
                    let events = try await source.history(instanceId: instance.id, afterSequence: after, limit: 10_000)
                    batch.history += events.map { InstanceHistoryEvent(instanceId: instance.id, event: $0) }
                    if batch.history.count >= historyPerBatch {
                        // A long history goes in several commits; its instance comes with the first.
                        _ = try await target.commit(batch)
                        batch = StoreBatch()
                    }
                    guard let last = events.last, events.count == 10_000 else { break }
                    after = last.sequence
                }
            }
            if !batch.isEmpty { _ = try await target.commit(batch) }
            copied += page.instances.count
            progress("instances: \(copied)")
            cursor = page.nextCursor
        } while cursor != nil
    }

    private func copyMarks(_ source: any TransferableStore, _ target: any TransferableStore) async throws(StoreError) {
        var after = ""
        while true {
            let entries = try await source.dedupeEntries(after: after, limit: 5_000)
            guard let last = entries.last else { break }
            var batch = StoreBatch()
            for entry in entries { batch.dedupe[entry.key] = entry.value }
            _ = try await target.commit(batch)
            after = last.key
        }
        let kept = try await source.allBufferedEvents()
        for start in stride(from: 0, to: kept.count, by: 5_000) {
            var batch = StoreBatch()
            batch.bufferedEvents = Array(kept[start..<min(kept.count, start + 5_000)])
            _ = try await target.commit(batch)
        }
    }

    /// Unpublished rows keep their order (new sequence numbers, in the same order); parked rows
    /// are written as outbox rows and parked again with their reason and time.
    private func copyOutbox(_ source: any TransferableStore, _ target: any TransferableStore) async throws(StoreError) {
        var after: Int64 = 0
        while true {
            let rows = try await source.outbox(afterSequence: after, limit: 5_000)
            guard let last = rows.last else { break }
            _ = try await target.commit(StoreBatch(outbox: rows.map { OutboxMessage(topic: $0.topic, key: $0.key, value: $0.value, headers: $0.headers) }))
            after = last.sequence
        }
        after = 0
        while true {
            let parked = try await source.parkedOutbox(afterSequence: after, limit: 1_000)
            guard let last = parked.last else { break }
            let rows = parked.map { OutboxMessage(topic: $0.topic, key: $0.key, value: $0.value, headers: $0.headers) }
            let sequences = try await target.commit(StoreBatch(outbox: rows))
            try await target.parkOutbox(zip(parked, sequences).map { row, sequence in
                ParkedOutboxMessage(OutboxMessage(sequence: sequence, topic: row.topic, key: row.key, value: row.value, headers: row.headers),
                                    reason: row.reason, message: row.message, parkedAt: row.parkedAt)
            })
            after = last.sequence
        }
    }

    /// Held requests keep their order and their task ids; the token buckets and breaker states
    /// start afresh in the target (a full bucket, closed breakers).
    private func copyHeld(_ source: any TransferableStore, _ target: any TransferableStore) async throws(StoreError) {
        var after: Int64 = 0
        while true {
            let rows = try await source.heldDispatches(afterSequence: after, limit: 5_000)
            guard let last = rows.last else { break }
            var batch = StoreBatch()
            batch.held = rows.map(\.dispatch)
            _ = try await target.commit(batch)
            after = last.sequence
        }
    }

    private func copyDeadLetters(_ source: any TransferableStore, _ target: any TransferableStore) async throws(StoreError) {
        var after: Int64 = 0
        while true {
            let records = try await source.deadLetters(DeadLetterQuery(afterId: after, limit: 1_000))
            guard let last = records.last else { break }
            try await target.importDeadLetters(records)
            after = last.id
        }
    }
}
