import BatonCore
import BatonMessages
import BatonStore

extension Orchestrator {
    /// The copy goes back to its source topic with its key, value and headers, plus
    /// `baton-redrive-of: <id>` and `baton-redriven-by: <by>`; if it fails again it becomes a new
    /// dead letter.
    public func redrive(ids: [Int64], by: String) async throws(ServiceError) -> [DeadLetterRecord] {
        guard !ids.isEmpty else { return [] }
        guard ids.count <= 1000 else { throw ServiceError(.invalidInput, "at most 1000 dead letters per redrive") }
        await writeLock.lock()
        defer { writeLock.unlock() }
        let generation = pipeline.generation
        let now = clock()
        var work = BatchWork()
        var records: [DeadLetterRecord] = []
        for id in Set(ids).sorted() {
            guard var record = try await mapStore({ try await store.deadLetter(id: id) }) else {
                throw ServiceError(.notFound, "no dead letter \(id)")
            }
            guard record.reason != MessageError.Reason.oversized.rawValue else {
                // It would be refused again, and a copy this large may not even be publishable.
                throw ServiceError(.conflict, "dead letter \(id) is OVERSIZED (\(record.value.count) bytes; inputs may have \(configuration.budget.maxInputBytes)): shrink it and publish it at its source instead of redriving it")
            }
            guard record.reason != MessageError.Reason.lostToRetention.rawValue else {
                throw ServiceError(.conflict, "dead letter \(id) records messages lost to retention, not a message: replay offsets from its source (\(record.message))")
            }
            var headers = record.headers.filter { $0.key != "baton-redrive-of" && $0.key != "baton-redriven-by" }
            headers.append(OutboxHeader(key: "baton-redrive-of", value: Array(String(id).utf8)))
            headers.append(OutboxHeader(key: "baton-redriven-by", value: Array(by.utf8)))
            work.outbox.append(OutboxMessage(topic: record.sourceTopic, key: record.key, value: record.value, headers: headers))
            work.redriven.append(id)
            record.redrivenAt = now
            record.redriveCount += 1
            records.append(record)
        }
        work.redrivenAt = now
        try await mapStore { try await commitNow(work, decidedIn: generation) }
        statistics.update { $0.deadLettersRedriven += records.count }
        return records
    }
}
