import BatonCore
import BatonExpressions
import BatonStore
import Testing

/// The behaviour every `WorkflowStore` backend must show; each test runs once per backend.
@Suite("WorkflowStore contract")
struct StoreContractTests {
    @Test(arguments: Backend.allCases)
    func definitionVersionsIncrementAndOldVersionsStayReadable(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            #expect(try await store.registerDefinition(id: "orders", document: ["steps": ["a"]], at: at(1)) == 1)
            #expect(try await store.registerDefinition(id: "orders", document: ["steps": ["a", "b"]], at: at(2)) == 2)
            #expect(try await store.registerDefinition(id: "refunds", document: ["steps": []], at: at(3)) == 1)

            let first = try await store.definition(id: "orders", version: 1)
            #expect(first == DefinitionRecord(id: "orders", version: 1, document: ["steps": ["a"]], createdAt: at(1)))
            #expect(try await store.definition(id: "orders", version: nil)?.version == 2)
            #expect(try await store.definition(id: "orders", version: nil)?.document == ["steps": ["a", "b"]])
            #expect(try await store.definition(id: "orders", version: 3) == nil)
            #expect(try await store.definition(id: "unknown", version: nil) == nil)
            #expect(try await store.definitionVersions(id: "orders").map(\.version) == [1, 2])
            #expect(try await store.definitionVersions(id: "unknown").isEmpty)
            #expect(try await store.definitions() == [
                DefinitionSummary(id: "orders", latestVersion: 2, versionCount: 2, updatedAt: at(2)),
                DefinitionSummary(id: "refunds", latestVersion: 1, versionCount: 1, updatedAt: at(3)),
            ])
        }
    }

    @Test(arguments: Backend.allCases)
    func commitIsAtomicWhenADedupeKeyConflicts(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            var original = plainInstance("i-1")
            original.historySequence = 1
            var first = StoreBatch.history(original, [event(1, .workflowStarted)])
            first.outbox = [OutboxMessage(topic: "lifecycle", key: [1], value: [2])]
            first.dedupe = ["trigger:kafka/1": "i-1"]
            try await store.commitAsSoleWriter(first)

            var changed = original
            changed.status = .completed
            changed.historySequence = 2
            var conflicting = StoreBatch.history(changed, [event(2, .workflowCompleted)])
            conflicting.instances.append(plainInstance("i-2"))
            conflicting.outbox = [OutboxMessage(topic: "lifecycle", key: nil, value: [3])]
            conflicting.dedupe = ["fresh-key": "x", "trigger:kafka/1": "i-2"]
            let error = await storeError { () throws(StoreError) in try await store.commitAsSoleWriter(conflicting) }
            #expect(error?.code == .conflict)
            #expect(error?.isRetryable == false)
            #expect(error?.message.contains("trigger:kafka/1") == true)

            #expect(try await store.instance(id: "i-1") == original)
            #expect(try await store.instance(id: "i-2") == nil)
            #expect(try await store.history(instanceId: "i-1", afterSequence: 0, limit: 10).map(\.sequence) == [1])
            #expect(try await store.outboxCount() == 1)
            #expect(try await store.pendingOutbox(limit: 10).map(\.value) == [[2]])
            #expect(try await store.dedupeValues(for: ["fresh-key", "trigger:kafka/1"]) == ["trigger:kafka/1": "i-1"])
            #expect(try await store.instances(InstanceQuery()).instances.map(\.id) == ["i-1"])
        }
    }

    @Test(arguments: Backend.allCases)
    func duplicateHistorySequenceConflictsAndRollsBack(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let instance = plainInstance("i-1")
            try await store.commitAsSoleWriter(.history(instance, [event(1, .workflowStarted)]))
            var again = StoreBatch.history(instance, [event(2, .variablesSet), event(1, .workflowStarted)])
            again.dedupe = ["k": "v"]
            let error = await storeError { () throws(StoreError) in try await store.commitAsSoleWriter(again) }
            #expect(error?.code == .conflict)
            #expect(try await store.history(instanceId: "i-1", afterSequence: 0, limit: 10).map(\.sequence) == [1])
            #expect(try await store.dedupeValues(for: ["k"]).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func historyKeepsTheExecutionOfEachEvent(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let instance = plainInstance("i-1")
            var branch = event(2, .taskScheduled, step: "reserve", task: "i-1.1", attempt: 1)
            branch.executionId = "checks/stock"
            try await store.commitAsSoleWriter(.history(instance, [event(1, .workflowStarted), branch]))
            let read = try await store.history(instanceId: "i-1", afterSequence: 0, limit: 10)
            #expect(read.map(\.executionId) == [nil, "checks/stock"])
            #expect(read[1] == branch)
        }
    }

    @Test(arguments: Backend.allCases)
    func instanceCountsAreByVersionAndStatus(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            var instances: [WorkflowInstance] = []
            for (index, (version, status)) in [(1, InstanceStatus.running), (1, .running), (1, .completed), (2, .failed)].enumerated() {
                var instance = plainInstance("i-\(index)")
                instance.workflowVersion = version
                instance.status = status
                instances.append(instance)
            }
            var other = plainInstance("other")
            other.workflowId = "elsewhere"
            try await store.commitAsSoleWriter(StoreBatch(instances: instances + [other]))
            let counts = try await store.instanceCounts(workflowId: instances[0].workflowId)
            #expect(counts == [
                InstanceCount(version: 1, status: .completed, count: 1), InstanceCount(version: 1, status: .running, count: 2),
                InstanceCount(version: 2, status: .failed, count: 1),
            ])
            #expect(try await store.instanceCounts(workflowId: "nothing").isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func gaugesCountUnfinishedInstancesTimersOutboxAndDeadLetters(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            #expect(try await store.gauges() == StoreGauges())
            let instances = [
                plainInstance("a", workflow: "orders"), plainInstance("b", workflow: "orders"), plainInstance("c", workflow: "orders", status: .paused),
                plainInstance("d", workflow: "orders", status: .completed), plainInstance("e", workflow: "refunds"),
                plainInstance("f", workflow: "refunds", status: .failed), plainInstance("g", workflow: "returns", status: .cancelled),
            ]
            var batch = StoreBatch(instances: instances, timers: [.set(instanceId: "a", timerId: "retry:x:2", fireAt: at(5)), .set(instanceId: "e", timerId: "t", fireAt: at(9))])
            batch.outbox = [OutboxMessage(topic: "lifecycle", key: nil, value: [1]), OutboxMessage(topic: "lifecycle", key: nil, value: [2]), OutboxMessage(topic: "t", key: nil, value: [3])]
            batch.deadLetters = [DeadLetterRecord(
                sourceTopic: "baton.triggers", sourcePartition: 0, sourceOffset: 1, key: nil, value: [0], reason: "MALFORMED", message: "not JSON", pointer: nil, createdAt: at(1)
            )]
            try await store.commitAsSoleWriter(batch)
            #expect(try await store.gauges() == StoreGauges(
                unfinished: [
                    .init(workflowId: "orders", status: .paused, count: 1), .init(workflowId: "orders", status: .running, count: 2),
                    .init(workflowId: "refunds", status: .running, count: 1),
                ],
                timers: 2, outbox: 3, deadLetters: 1
            ))
        }
    }

    @Test(arguments: Backend.allCases)
    func historyOfAnUnknownInstanceIsInvalid(_ backend: Backend) async throws {
        try await withStore(backend) { store throws in
            let batch = StoreBatch(history: [InstanceHistoryEvent(instanceId: "ghost", event: event(1, .workflowStarted))])
            let error = await storeError { () throws(StoreError) in try await store.commitAsSoleWriter(batch) }
            #expect(error?.code == .invalid)
            #expect(try await store.history(instanceId: "ghost", afterSequence: 0, limit: 10).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func instanceUpsertRoundTripsTheFullState(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            var instance = richInstance("i-rich")
            try await store.commitAsSoleWriter(StoreBatch(instances: [instance]))
            #expect(try await store.instance(id: "i-rich") == instance)

            instance.status = .running
            instance.error = nil
            instance.output = nil
            instance.completedAt = nil
            instance.vars["total"] = 26
            instance.activeTasks.removeValue(forKey: "i-rich.5")
            instance.updatedAt = at(7_000)
            try await store.commitAsSoleWriter(StoreBatch(instances: [instance]))
            #expect(try await store.instance(id: "i-rich") == instance)
            #expect(try await store.instance(id: "missing") == nil)
            #expect(try await store.instances(InstanceQuery(status: .failed)).instances.isEmpty)
            #expect(try await store.instances(InstanceQuery(status: .running)).instances == [instance])
        }
    }

    @Test(arguments: Backend.allCases)
    func historyAppendsAcrossCommitsAndPages(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let instance = plainInstance("i-1")
            let other = plainInstance("i-2")
            let events = (1...25).map { n in
                event(n, n % 2 == 0 ? .variablesSet : .branchTaken, step: "s\(n)", task: n % 3 == 0 ? "t\(n)" : nil, attempt: n % 3 == 0 ? 1 : nil, data: n % 5 == 0 ? .null : ["n": .number(Double(n)), "s": "x"])
            }
            try await store.commitAsSoleWriter(.history(instance, Array(events[0..<10])))
            try await store.commitAsSoleWriter(.history(instance, Array(events[10...])))
            try await store.commitAsSoleWriter(.history(other, [event(1, .workflowStarted)]))

            var read: [HistoryEvent] = []
            var after = 0
            while true {
                let page = try await store.history(instanceId: "i-1", afterSequence: after, limit: 7)
                if page.isEmpty { break }
                #expect(page.count <= 7)
                read += page
                after = page.last!.sequence
            }
            #expect(read == events)
            #expect(try await store.history(instanceId: "i-1", afterSequence: 24, limit: 7) == [events[24]])
            #expect(try await store.history(instanceId: "i-2", afterSequence: 0, limit: 100).count == 1)
            #expect(try await store.history(instanceId: "none", afterSequence: 0, limit: 100).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func stepExecutionsAreProjectedFromTaskHistory(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let instance = plainInstance("i-1")
            let error = ErrorInfo(code: "BOOM", message: "it broke", retryable: false, stepId: "charge", attempt: 1, time: at(400))
            try await store.commitAsSoleWriter(.history(instance, [
                event(1, .workflowStarted),
                event(2, .taskScheduled, step: "validate", task: "i-1.1", attempt: 1, data: ["taskType": "validate", "input": ["a": 1]]),
            ]))
            try await store.commitAsSoleWriter(.history(instance, [
                event(3, .taskCompleted, step: "validate", task: "i-1.1", attempt: 1, data: ["output": ["ok": true], "workerId": "w-1"]),
                event(4, .taskScheduled, step: "charge", task: "i-1.2", attempt: 1, data: ["taskType": "charge", "input": ["amount": 5]]),
                event(5, .taskFailed, step: "charge", task: "i-1.2", attempt: 1, data: ["error": error.json, "workerId": .null]),
                event(6, .taskScheduled, step: "notify", task: "i-1.3", attempt: 1, data: ["taskType": "notify", "input": .null]),
                // A step that failed before dispatch has no task id, so no execution (stores
                // written before StepFailed existed hold such events as TaskFailed).
                event(7, .taskFailed, step: "map", attempt: 1, data: ["error": error.json]),
                event(8, .taskHeartbeat, step: "notify", task: "i-1.3", attempt: 1, data: ["pct": 10]),
                event(9, .stepFailed, step: "decide", attempt: 1, data: ["error": error.json]),
            ]))
            let executions = try await store.stepExecutions(instanceId: "i-1")
            #expect(executions == [
                StepExecution(instanceId: "i-1", taskId: "i-1.1", stepId: "validate", attempt: 1, status: .completed, input: ["a": 1], output: ["ok": true], scheduledAt: at(200), completedAt: at(300)),
                StepExecution(instanceId: "i-1", taskId: "i-1.2", stepId: "charge", attempt: 1, status: .failed, input: ["amount": 5], error: error, scheduledAt: at(400), completedAt: at(500)),
                StepExecution(instanceId: "i-1", taskId: "i-1.3", stepId: "notify", attempt: 1, status: .scheduled, scheduledAt: at(600)),
            ])
            #expect(try await store.stepExecutions(instanceId: "none").isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func parkedOutboxRowsLeaveTheOutboxWithTheirReasonAndStayListed(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let rows = (0..<3).map { n in
                OutboxMessage(topic: "tasks", key: Array("i-\(n)".utf8), value: [UInt8](repeating: UInt8(n), count: 10 + n), headers: [OutboxHeader(key: "h", value: [1, 2])])
            }
            let sequences = try await store.commitAsSoleWriter(StoreBatch(outbox: rows))
            var big = rows[1]
            big.sequence = sequences[1]
            let parked = ParkedOutboxMessage(big, reason: "MSG_SIZE_TOO_LARGE", message: "too large", parkedAt: at(5))
            var gone = rows[2]
            gone.sequence = 999_999
            try await store.parkOutbox([parked, ParkedOutboxMessage(gone, reason: "X", message: "not in the outbox", parkedAt: at(5))])
            #expect(try await store.pendingOutbox(limit: 10).map(\.sequence) == [sequences[0], sequences[2]])
            #expect(try await store.parkedOutbox(afterSequence: 0, limit: 10) == [parked])
            #expect(parked.recordBytes == 3 + 11 + 1 + 2)
            #expect(try await store.parkedOutbox(afterSequence: sequences[1], limit: 10).isEmpty)
            // Parking again (a relay retrying after a crash) changes nothing.
            try await store.parkOutbox([parked])
            #expect(try await store.parkedOutbox(afterSequence: 0, limit: 10) == [parked])
            #expect(await storeError { () throws(StoreError) in _ = try await store.parkedOutbox(afterSequence: 0, limit: 0) }?.code == .invalid)
        }
    }

    @Test(arguments: Backend.allCases)
    func outboxIsOrderedBySequenceAndMarkSentRemoves(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let headers = [OutboxHeader(key: "type", value: Array("TaskRequest".utf8)), OutboxHeader(key: "empty", value: []), OutboxHeader(key: "bin", value: [0, 255, 7])]
            let first = (0..<3).map { n in OutboxMessage(topic: "tasks", key: Array("k\(n)".utf8), value: [UInt8(n)], headers: n == 0 ? headers : []) }
            let second = (3..<5).map { n in OutboxMessage(topic: "lifecycle", key: n == 3 ? nil : [], value: n == 4 ? [] : [UInt8(n)]) }
            let firstSequences = try await store.commitAsSoleWriter(StoreBatch(outbox: first))
            let secondSequences = try await store.commitAsSoleWriter(StoreBatch(outbox: second))
            #expect(try await store.outboxCount() == 5)

            let pending = try await store.pendingOutbox(limit: 10)
            #expect(pending.count == 5)
            // commit returns the sequences it gave, so the relay needs no read-back.
            #expect(firstSequences + secondSequences == pending.map(\.sequence))
            #expect(try await store.commitAsSoleWriter(StoreBatch(dedupe: ["no-outbox": "x"])) == [])
            #expect(pending.map(\.sequence) == pending.map(\.sequence).sorted())
            #expect(Set(pending.map(\.sequence)).count == 5)
            for (stored, sent) in zip(pending, first + second) {
                var expected = sent
                expected.sequence = stored.sequence
                #expect(stored == expected)
            }
            #expect(try await store.pendingOutbox(limit: 2) == Array(pending.prefix(2)))

            try await store.markOutboxSent(pending.prefix(2).map(\.sequence) + [999_999])
            #expect(try await store.outboxCount() == 3)
            #expect(try await store.pendingOutbox(limit: 10) == Array(pending.dropFirst(2)))

            // Not contiguous and unordered: exactly those rows go, the one between stays.
            try await store.markOutboxSent([pending[4].sequence, pending[2].sequence])
            #expect(try await store.pendingOutbox(limit: 10) == [pending[3]])

            // Sequences keep growing after removals, so a relay never sees a number twice.
            try await store.markOutboxSent(pending.map(\.sequence))
            try await store.commitAsSoleWriter(StoreBatch(outbox: [OutboxMessage(topic: "tasks", key: nil, value: [9])]))
            let later = try await store.pendingOutbox(limit: 10)
            #expect(later.count == 1)
            #expect(later[0].sequence > pending.last!.sequence)
        }
    }

    @Test(arguments: Backend.allCases)
    func deadLettersAreKeptFilteredAndMarkedRedriven(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let a = DeadLetterRecord(
                sourceTopic: "baton.triggers", sourcePartition: 3, sourceOffset: 42, key: nil, value: [0xFF, 0x00],
                headers: [OutboxHeader(key: "h", value: [1])], reason: "MALFORMED", message: "not JSON", pointer: nil, createdAt: at(1)
            )
            let b = DeadLetterRecord(
                sourceTopic: "baton.task-results", sourcePartition: 0, sourceOffset: 7, key: Array("i-1".utf8), value: Array("{}".utf8),
                reason: "SCHEMA_VIOLATION", message: "missing taskId", pointer: "/taskId", createdAt: at(2)
            )
            try await store.commitAsSoleWriter(StoreBatch(deadLetters: [a, b]))
            let all = try await store.deadLetters(DeadLetterQuery())
            #expect(all.map(\.id) == [1, 2])
            var expected = a
            expected.id = 1
            #expect(all[0] == expected)
            #expect(try await store.deadLetters(DeadLetterQuery(reason: "SCHEMA_VIOLATION")).map(\.id) == [2])
            #expect(try await store.deadLetters(DeadLetterQuery(sourceTopic: "baton.triggers")).map(\.id) == [1])
            #expect(try await store.deadLetters(DeadLetterQuery(afterId: 1)).map(\.id) == [2])
            #expect(try await store.deadLetters(DeadLetterQuery(limit: 1)).map(\.id) == [1])

            try await store.commitAsSoleWriter(StoreBatch(redriven: [2], redrivenAt: at(9)))
            #expect(try await store.deadLetter(id: 2)?.redrivenAt == at(9))
            #expect(try await store.deadLetter(id: 2)?.redriveCount == 1)
            #expect(try await store.deadLetters(DeadLetterQuery(pending: true)).map(\.id) == [1])
            #expect(try await store.deadLetters(DeadLetterQuery(pending: false)).map(\.id) == [2])
            #expect(try await store.deadLetter(id: 99) == nil)
            // Marking an unknown one fails the whole batch.
            #expect(await storeError { () throws(StoreError) in try await store.commitAsSoleWriter(StoreBatch(redriven: [99], redrivenAt: at(10))) }?.code == .invalid)
        }
    }

    @Test(arguments: Backend.allCases)
    func timersAreIndexedByFireTimeAndChangedInOrder(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            #expect(try await store.nextTimerAt() == nil)
            try await store.commitAsSoleWriter(StoreBatch(instances: [plainInstance("i-1"), plainInstance("i-2")], timers: [
                .set(instanceId: "i-1", timerId: "retry:a:2", fireAt: at(300)),
                .set(instanceId: "i-2", timerId: "timeout:i-2.1", fireAt: at(100)),
                .set(instanceId: "i-2", timerId: "workflow-timeout", fireAt: at(900)),
            ]))
            #expect(try await store.nextTimerAt() == at(100))
            #expect(try await store.dueTimers(until: at(50), limit: 10).isEmpty)
            #expect(try await store.dueTimers(until: at(300), limit: 10) == [
                DueTimer(instanceId: "i-2", timerId: "timeout:i-2.1", fireAt: at(100)),
                DueTimer(instanceId: "i-1", timerId: "retry:a:2", fireAt: at(300)),
            ])
            #expect(try await store.dueTimers(until: at(1000), limit: 1).map(\.timerId) == ["timeout:i-2.1"])

            // Moved, deleted (twice: harmless), and re-set in one batch, applied in order.
            try await store.commitAsSoleWriter(StoreBatch(timers: [
                .set(instanceId: "i-2", timerId: "workflow-timeout", fireAt: at(50)),
                .delete(instanceId: "i-2", timerId: "timeout:i-2.1"),
                .delete(instanceId: "i-2", timerId: "timeout:i-2.1"),
                .delete(instanceId: "i-1", timerId: "retry:a:2"),
                .set(instanceId: "i-1", timerId: "retry:a:2", fireAt: at(700)),
            ]))
            #expect(try await store.dueTimers(until: at(1000), limit: 10) == [
                DueTimer(instanceId: "i-2", timerId: "workflow-timeout", fireAt: at(50)),
                DueTimer(instanceId: "i-1", timerId: "retry:a:2", fireAt: at(700)),
            ])
            // A conditional delete removes a row only while it still holds the time it names.
            try await store.commitAsSoleWriter(StoreBatch(timers: [
                .deleteIfAt(instanceId: "i-1", timerId: "retry:a:2", fireAt: at(300)),
                .deleteIfAt(instanceId: "i-2", timerId: "workflow-timeout", fireAt: at(50)),
            ]))
            #expect(try await store.dueTimers(until: at(1000), limit: 10) == [DueTimer(instanceId: "i-1", timerId: "retry:a:2", fireAt: at(700))])
            #expect(await storeError { () throws(StoreError) in _ = try await store.dueTimers(until: at(0), limit: 0) }?.code == .invalid)
        }
    }

    @Test(arguments: Backend.allCases)
    func listingFiltersAndPaginatesWithoutDuplicatesOrGaps(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            // 25 instances over two workflows and two statuses; some share a creation time.
            var all: [WorkflowInstance] = []
            for n in 0..<25 {
                let workflow = n % 2 == 0 ? "orders" : "refunds"
                let status: InstanceStatus = n % 3 == 0 ? .completed : .running
                all.append(plainInstance("i-\(n < 10 ? "0" : "")\(n)", workflow: workflow, status: status, createdAt: at(Int64(n / 2) * 1000)))
            }
            try await store.commitAsSoleWriter(StoreBatch(instances: Array(all[0..<12])))
            try await store.commitAsSoleWriter(StoreBatch(instances: Array(all[12...])))

            func listAll(_ query: InstanceQuery) async throws -> (ids: [String], pages: Int) {
                var query = query
                var ids: [String] = []
                var pages = 0
                repeat {
                    let page = try await store.instances(query)
                    pages += 1
                    #expect(page.instances.count <= query.limit)
                    ids += page.instances.map(\.id)
                    query.cursor = page.nextCursor
                } while query.cursor != nil && pages < 100
                return (ids, pages)
            }
            func expected(_ include: (WorkflowInstance) -> Bool) -> [String] {
                all.filter(include)
                    .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
                    .map(\.id)
            }

            let everything = try await listAll(InstanceQuery(limit: 10))
            #expect(everything.ids == expected { _ in true })
            #expect(everything.pages == 3)
            #expect(Set(everything.ids).count == 25)

            let orders = try await listAll(InstanceQuery(workflowId: "orders", limit: 10))
            #expect(orders.ids == expected { $0.workflowId == "orders" })
            #expect(orders.pages == 2)

            let completed = try await listAll(InstanceQuery(status: .completed, limit: 3))
            #expect(completed.ids == expected { $0.status == .completed })

            let both = try await listAll(InstanceQuery(workflowId: "refunds", status: .running, limit: 4))
            #expect(both.ids == expected { $0.workflowId == "refunds" && $0.status == .running })

            // Exactly one page: no cursor.
            #expect(try await store.instances(InstanceQuery(limit: 25)).nextCursor == nil)
            #expect(try await store.instances(InstanceQuery(workflowId: "nothing")).instances.isEmpty)

            // A new instance does not disturb later pages of a listing in progress.
            let firstPage = try await store.instances(InstanceQuery(limit: 10))
            try await store.commitAsSoleWriter(StoreBatch(instances: [plainInstance("i-new", createdAt: at(99_000))]))
            let secondPage = try await store.instances(InstanceQuery(cursor: firstPage.nextCursor, limit: 10))
            #expect(secondPage.instances.map(\.id) == Array(everything.ids[10..<20]))
        }
    }

    @Test(arguments: Backend.allCases)
    func badLimitsAndCursorsAreInvalid(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            for query in [InstanceQuery(limit: 0), InstanceQuery(limit: 1001), InstanceQuery(cursor: "zz"), InstanceQuery(cursor: "3132")] {
                let error = await storeError { () throws(StoreError) in _ = try await store.instances(query) }
                #expect(error?.code == .invalid, "\(query)")
            }
            #expect(await storeError { () throws(StoreError) in _ = try await store.history(instanceId: "i", afterSequence: 0, limit: 0) }?.code == .invalid)
            #expect(await storeError { () throws(StoreError) in _ = try await store.pendingOutbox(limit: 0) }?.code == .invalid)
        }
    }

    @Test(arguments: Backend.allCases)
    func dedupeValuesReturnOnlyExistingKeys(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            #expect(try await store.dedupeValues(for: []) == [:])
            #expect(try await store.dedupeValues(for: ["a"]) == [:])
            try await store.commitAsSoleWriter(StoreBatch(dedupe: ["a": "1", "b": "2"]))
            try await store.commitAsSoleWriter(StoreBatch(dedupe: ["c": "3"]))
            #expect(try await store.dedupeValues(for: ["a", "c", "zzz"]) == ["a": "1", "c": "3"])
            #expect(try await store.dedupeValues(for: ["b"]) == ["b": "2"])
            let error = await storeError { () throws(StoreError) in try await store.commitAsSoleWriter(StoreBatch(dedupe: ["b": "other"])) }
            #expect(error?.code == .conflict)
            #expect(try await store.dedupeValues(for: ["b"]) == ["b": "2"])
        }
    }

    @Test(arguments: Backend.allCases)
    func aClosedStoreRefusesWork(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            await store.close()
            await store.close()
            let error = await storeError { () throws(StoreError) in _ = try await store.outboxCount() }
            #expect(error?.code == .invalid)
        }
    }
}
