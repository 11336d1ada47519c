import BatonCore
import BatonExpressions
import BatonStore
import Testing

/// Admission on every backend: what counts as running (RUNNING, PAUSED, admitted and not yet
/// started), who gets a free slot (oldest first, per workflow and across them), and that an
/// admission is a due timer that holds its slot until the start commits.
@Suite("Admission contract")
struct AdmissionContractTests {
    let now = at(100)

    @Test(arguments: Backend.allCases)
    func freeSlotsGoToTheOldestQueuedInstancesUnderEachLimit(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            // Limits come from each workflow's latest version: orders allowed 5, then 2.
            _ = try await store.registerDefinition(id: "orders", document: ["id": "orders", "maxConcurrent": 5], at: at(0))
            _ = try await store.registerDefinition(id: "orders", document: ["id": "orders", "maxConcurrent": 2], at: at(0))
            _ = try await store.registerDefinition(id: "refunds", document: ["id": "refunds", "maxConcurrent": 1], at: at(0))
            try await store.commitAsSoleWriter(StoreBatch(instances: [
                plainInstance("q1", workflow: "orders", status: .queued, createdAt: at(10)),
                plainInstance("q2", workflow: "orders", status: .queued, createdAt: at(5)),
                plainInstance("q3", workflow: "orders", status: .queued, createdAt: at(20)),
                plainInstance("r1", workflow: "orders", status: .running, createdAt: at(1)),
                plainInstance("q4", workflow: "refunds", status: .queued, createdAt: at(1)),
                plainInstance("p1", workflow: "refunds", status: .paused, createdAt: at(0)),
                plainInstance("c1", workflow: "orders", status: .completed, createdAt: at(0)),
            ]))
            let limits = AdmissionRequest(maxRunning: nil, now: now)

            // orders: 1 of 2 running → the oldest queued (q2); refunds: 1 of 1 (paused counts).
            #expect(try await store.admit(limits) == AdmissionResult(admitted: ["q2"], waiting: ["orders": 2, "refunds": 1]))
            #expect(try await store.dueTimers(until: now, limit: 10).map(\.instanceId) == ["q2"])
            #expect(try await store.dueTimers(until: now, limit: 10).map(\.timerId) == [admissionTimerId])
            // Admitted and not started holds its slot: the next pass admits nothing.
            #expect(try await store.admit(limits) == AdmissionResult(admitted: [], waiting: ["orders": 2, "refunds": 1]))

            // Its start commits (and deletes the timer): still 2 of 2.
            var started = StoreBatch(instances: [plainInstance("q2", workflow: "orders", status: .running, createdAt: at(5))])
            started.timers = [.delete(instanceId: "q2", timerId: admissionTimerId)]
            try await store.commitAsSoleWriter(started)
            #expect(try await store.admit(limits).admitted.isEmpty)

            // One ends: the next oldest, q1.
            try await store.commitAsSoleWriter(StoreBatch(instances: [plainInstance("r1", workflow: "orders", status: .completed, createdAt: at(1))]))
            #expect(try await store.admit(limits) == AdmissionResult(admitted: ["q1"], waiting: ["orders": 1, "refunds": 1]))

            // The limits are lifted (new versions without one); a global limit counts every
            // workflow: q2 running, q1 admitted, p1 paused = 3.
            _ = try await store.registerDefinition(id: "orders", document: ["id": "orders"], at: at(0))
            _ = try await store.registerDefinition(id: "refunds", document: ["id": "refunds"], at: at(0))
            #expect(try await store.admit(AdmissionRequest(maxRunning: 3, now: now)).admitted.isEmpty)
            // Room for 2: the oldest across workflows, q4 (1) before q3 (20); the pass limit cuts first.
            #expect(try await store.admit(AdmissionRequest(maxRunning: 5, limit: 1, now: now)) == AdmissionResult(admitted: ["q4"], waiting: ["orders": 1]))
            #expect(try await store.admit(AdmissionRequest(maxRunning: 5, now: now)) == AdmissionResult(admitted: ["q3"], waiting: [:]))
            #expect(try await store.admit(limits) == AdmissionResult())
        }
    }

    @Test(arguments: Backend.allCases)
    func anAdmittedInstanceCancelledBeforeItStartedFreesItsSlot(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            _ = try await store.registerDefinition(id: "w", document: ["id": "w", "maxConcurrent": 1], at: at(0))
            try await store.commitAsSoleWriter(StoreBatch(instances: [
                plainInstance("a", workflow: "w", status: .queued, createdAt: at(1)),
                plainInstance("b", workflow: "w", status: .queued, createdAt: at(2)),
            ]))
            let one = AdmissionRequest(maxRunning: nil, now: now)
            #expect(try await store.admit(one).admitted == ["a"])
            try await store.commitAsSoleWriter(StoreBatch(instances: [plainInstance("a", workflow: "w", status: .cancelled, createdAt: at(1))]))
            #expect(try await store.admit(one) == AdmissionResult(admitted: ["b"], waiting: [:]))
            // Both admission rows stay until the timer service fires them (a's is then only removed).
            #expect(try await store.dueTimers(until: now, limit: 10).map(\.instanceId).sorted() == ["a", "b"])
            #expect(try await store.gauges().unfinished.map(\.status) == [.queued])
        }
    }
}
