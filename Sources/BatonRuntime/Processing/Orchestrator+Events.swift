import BatonCore
import BatonExpressions
import BatonMessages
import BatonStore

extension Orchestrator {
    /// Hands a trigger-topic CloudEvent to every `waitForEvent` step waiting for it (matched
    /// through the index by event type, `eventKey` expression and correlation key), or keeps it
    /// for the event window when none waits yet.
    ///
    /// - Returns: whether any definition waits for this event type (then the event is not a
    ///   dead letter even when no definition is triggered by it), and how many waits it completed.
    func deliverEvent(_ event: CloudEvent, into work: inout BatchWork) async throws(StoreError) -> (awaited: Bool, delivered: Int) {
        var templates = catalog.eventKeys(for: event.type)
        let stored: Set<String>
        if let known = storedEventKeys.withLock({ $0[event.type] }) {
            stored = known
        } else {
            stored = Set(try await store.eventKeySources(event: event.type))
            storedEventKeys.withLock { $0[event.type] = $0[event.type, default: []].union(stored) }
        }
        for source in stored.sorted() where templates[source] == nil {
            if let template = try? JSONTemplate(parsing: .string(source)) { templates[source] = template }
        }
        guard !templates.isEmpty else { return (false, 0) }
        let document = event.json
        let now = clock()
        let origin = "event:\(event.source)/\(event.id)"
        var keys: [(source: String, key: String)] = []
        var delivered = 0
        for source in templates.keys.sorted() {
            guard let value = try? templates[source]!.render(in: document), let key = WaitForEventStep.correlationKey(value) else { continue }
            keys.append((source, key))
            let waitKey = BatchWork.waitKey(event.type, source, key)
            var candidates = work.waitIndex[waitKey] ?? []
            candidates += pipeline.waits(waitKey)
            candidates += try await store.eventWaits(event: event.type, eventKeySource: source, correlationKey: key)
            var seen: Set<WaitingInstance> = []
            for candidate in candidates where seen.insert(candidate).inserted {
                guard let instance = try await loadInstance(candidate.instanceId, into: &work), instance.eventWaits[candidate.waitId] != nil,
                    let definition = try await catalog.resolve(id: instance.workflowId, version: instance.workflowVersion, store: store)
                else { continue }
                let delivery = EventDelivery(waitId: candidate.waitId, name: event.type, data: event.data ?? .null, origin: origin)
                let transition = engine.eventReceived(delivery, instance: instance, definition: definition, at: now)
                record(transition, previous: instance, definition: definition, into: &work)
                if transition.rejection == nil { delivered += 1 }
            }
        }
        if delivered == 0, !keys.isEmpty {
            let ref = "\(event.source)\u{1F}\(event.id)"
            let expiresAt = now.adding(milliseconds: engine.eventWindowMilliseconds)
            for (source, key) in keys {
                work.bufferedEvents.append(BufferedEvent(
                    ref: ref, event: event.type, eventKeySource: source, correlationKey: key, data: event.data ?? .null, origin: origin,
                    arrivedAt: now, expiresAt: expiresAt
                ))
            }
            work.eventsExpiredBefore = now
        }
        return (true, delivered)
    }

    /// A wait was just set: the oldest event kept for it (not expired, not consumed by another
    /// wait) completes it, and is consumed, in this batch.
    func deliverKeptEvent(to instanceId: String, _ wait: EventWait, into work: inout BatchWork) async throws(StoreError) {
        guard let source = wait.eventKeySource, let key = wait.correlationKey else { return }
        let now = clock()
        let matches = { (e: BufferedEvent) in e.event == wait.event && e.eventKeySource == source && e.correlationKey == key && e.expiresAt > now }
        var candidates = work.bufferedEvents.filter(matches)
        candidates += pipeline.keptEvents(where: matches)
        candidates += try await store.bufferedEvents(event: wait.event, eventKeySource: source, correlationKey: key, at: now)
        let consumed = Set(work.consumedEvents)
        let available = candidates.filter { !consumed.contains($0.ref) && !pipeline.isConsumed($0.ref) }
        guard let kept = available.min(by: { ($0.arrivedAt, $0.ref) < ($1.arrivedAt, $1.ref) }) else { return }
        guard let instance = try await loadInstance(instanceId, into: &work), instance.eventWaits[wait.id] != nil,
            let definition = try await catalog.resolve(id: instance.workflowId, version: instance.workflowVersion, store: store)
        else { return }
        let transition = engine.eventReceived(
            EventDelivery(waitId: wait.id, name: wait.event, data: kept.data, origin: kept.origin), instance: instance, definition: definition, at: now
        )
        record(transition, previous: instance, definition: definition, into: &work)
        if transition.rejection == nil { work.consumedEvents.append(kept.ref) }
    }
}
