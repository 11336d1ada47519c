import BatonCore
import BatonExpressions
import BatonStore
import Testing

/// Parent links and business keys, on every backend: the indexes `?parentId=` and keyed starts use.
@Suite("WorkflowStore contract: links and keys")
struct StoreLinkContractTests {
    @Test(arguments: Backend.allCases)
    func childrenAreListedByParentNewestFirstAndPaged(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            var instances = [plainInstance("p-1"), plainInstance("other")]
            for n in 1...3 {
                var child = plainInstance("p-1.\(n)", workflow: "shipping", createdAt: at(Int64(n)))
                child.parent = ParentLink(instanceId: "p-1", executionId: "root", stepId: "ship", depth: 1)
                instances.append(child)
            }
            try await store.commitAsSoleWriter(StoreBatch(instances: instances))
            let first = try await store.instances(InstanceQuery(parentId: "p-1", limit: 2))
            #expect(first.instances.map(\.id) == ["p-1.3", "p-1.2"])
            let second = try await store.instances(InstanceQuery(parentId: "p-1", cursor: first.nextCursor, limit: 2))
            #expect(second.instances.map(\.id) == ["p-1.1"])
            #expect(second.nextCursor == nil)
            #expect(try await store.instances(InstanceQuery(workflowId: "orders", parentId: "p-1")).instances.isEmpty)
            #expect(try await store.instance(id: "p-1.2")?.parent?.stepId == "ship")
        }
    }

    @Test(arguments: Backend.allCases)
    func onlyRunningOrPausedInstancesHoldTheirBusinessKey(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            func keyed(_ id: String, _ key: String, _ status: InstanceStatus, workflow: String = "orders") -> WorkflowInstance {
                var instance = plainInstance(id, workflow: workflow, status: status)
                instance.businessKey = key
                return instance
            }
            try await store.commitAsSoleWriter(StoreBatch(instances: [
                keyed("a", "o-1", .completed), keyed("b", "o-1", .running), keyed("c", "o-2", .paused),
                keyed("d", "o-1", .running, workflow: "refunds"), keyed("e", "o-3", .failed),
            ]))
            #expect(try await store.runningInstanceIds(workflowId: "orders", businessKey: "o-1") == ["b"])
            #expect(try await store.runningInstanceIds(workflowId: "orders", businessKey: "o-2") == ["c"])
            #expect(try await store.runningInstanceIds(workflowId: "orders", businessKey: "o-3") == [])
            var ended = keyed("b", "o-1", .completed)
            ended.updatedAt = at(5)
            try await store.commitAsSoleWriter(StoreBatch(instances: [ended]))
            #expect(try await store.runningInstanceIds(workflowId: "orders", businessKey: "o-1") == [])
            #expect(try await store.instance(id: "c")?.businessKey == "o-2")
        }
    }

    @Test(arguments: Backend.allCases)
    func eventWaitsAreFoundByEventKeyAndCorrelationAndKeptEventsExpireOrAreConsumedOnce(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let byData = "${ $.data.orderId }"
            func wait(_ id: String, key: String?, source: String? = byData) -> EventWait {
                EventWait(id: id, event: "paid", eventKeySource: key == nil ? nil : source, correlationKey: key, executionId: "root", stepId: "w", execution: 1)
            }
            var batch = StoreBatch(instances: [plainInstance("a"), plainInstance("b")])
            batch.waits = [
                .set(instanceId: "a", wait: wait("event:w:1", key: "o-1")), .set(instanceId: "b", wait: wait("event:w:1", key: "o-1")),
                .set(instanceId: "b", wait: wait("event:v:1", key: nil)), .set(instanceId: "a", wait: wait("event:x:1", key: "o-2", source: "${ $.subject }")),
            ]
            func kept(_ ref: String, _ key: String, arrived: Int64, expires: Int64) -> BufferedEvent {
                BufferedEvent(ref: ref, event: "paid", eventKeySource: byData, correlationKey: key, data: ["n": .string(ref)], origin: "event:s/\(ref)", arrivedAt: at(arrived), expiresAt: at(expires))
            }
            batch.bufferedEvents = [kept("e2", "o-5", arrived: 2, expires: 100), kept("e1", "o-5", arrived: 1, expires: 100), kept("e3", "o-5", arrived: 3, expires: 10)]
            try await store.commitAsSoleWriter(batch)
            #expect(try await store.eventWaits(event: "paid", eventKeySource: byData, correlationKey: "o-1") == [
                WaitingInstance(instanceId: "a", waitId: "event:w:1"), WaitingInstance(instanceId: "b", waitId: "event:w:1"),
            ])
            #expect(try await store.eventKeySources(event: "paid") == ["${ $.data.orderId }", "${ $.subject }"])
            #expect(try await store.eventKeySources(event: "other") == [])
            #expect(try await store.bufferedEvents(event: "paid", eventKeySource: byData, correlationKey: "o-5", at: at(5)).map(\.ref) == ["e1", "e2", "e3"])
            #expect(try await store.bufferedEvents(event: "paid", eventKeySource: byData, correlationKey: "o-5", at: at(10)).map(\.ref) == ["e1", "e2"])

            var next = StoreBatch()
            next.waits = [.delete(instanceId: "a", waitId: "event:w:1")]
            next.consumedEvents = ["e1"]
            next.eventsExpiredBefore = at(50)
            try await store.commitAsSoleWriter(next)
            #expect(try await store.eventWaits(event: "paid", eventKeySource: byData, correlationKey: "o-1") == [WaitingInstance(instanceId: "b", waitId: "event:w:1")])
            let left = try await store.bufferedEvents(event: "paid", eventKeySource: byData, correlationKey: "o-5", at: at(0))
            #expect(left.map(\.ref) == ["e2"])
            #expect(left.first?.data == ["n": "e2"])
            #expect(left.first?.origin == "event:s/e2")
        }
    }
}

