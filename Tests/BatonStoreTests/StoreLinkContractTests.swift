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
            try await store.commit(StoreBatch(instances: instances))
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
            try await store.commit(StoreBatch(instances: [
                keyed("a", "o-1", .completed), keyed("b", "o-1", .running), keyed("c", "o-2", .paused),
                keyed("d", "o-1", .running, workflow: "refunds"), keyed("e", "o-3", .failed),
            ]))
            #expect(try await store.runningInstanceIds(workflowId: "orders", businessKey: "o-1") == ["b"])
            #expect(try await store.runningInstanceIds(workflowId: "orders", businessKey: "o-2") == ["c"])
            #expect(try await store.runningInstanceIds(workflowId: "orders", businessKey: "o-3") == [])
            var ended = keyed("b", "o-1", .completed)
            ended.updatedAt = at(5)
            try await store.commit(StoreBatch(instances: [ended]))
            #expect(try await store.runningInstanceIds(workflowId: "orders", businessKey: "o-1") == [])
            #expect(try await store.instance(id: "c")?.businessKey == "o-2")
        }
    }
}
