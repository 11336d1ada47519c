import BatonCore
import BatonExpressions
import BatonStore
import Testing

@testable import BatonRuntime

/// The instance cache's byte budget and least-recently-used order.
@Suite("Instance cache")
struct InstanceCacheTests {
    @Test func theLeastRecentlyUsedGoFirstAndTheBudgetHolds() {
        var map = LRUMap<String, Int>(capacityBytes: 100)
        map.put("a", 1, bytes: 40)
        map.put("b", 2, bytes: 40)
        #expect(map.get("a") == 1)  // a is now newer than b
        map.put("c", 3, bytes: 40)  // 120 > 100: b, the least recently used, goes
        #expect(map.keysByRecency == ["c", "a"])
        #expect(map.peek("b") == nil)
        #expect(map.bytes == 80)
        #expect(map.evictions == 1)
        // Replacing a value re-weighs it; one too heavy for the whole budget is not kept.
        map.put("a", 4, bytes: 70)  // 70 + 40 > 100: c goes
        #expect(map.keysByRecency == ["a"])
        #expect(map.bytes == 70)
        #expect(map.evictions == 2)
        map.put("huge", 5, bytes: 101)
        #expect(map.peek("huge") == nil)
        #expect(map.keysByRecency == ["a"])
        #expect(map.remove("a") == 4)
        #expect(map.bytes == 0)
        #expect(map.count == 0)
    }

    @Test func slotsAreReusedOverManyChurns() {
        var map = LRUMap<Int, Int>(capacityBytes: 1_000)
        for n in 0..<100_000 { map.put(n, n, bytes: 10) }
        #expect(map.count == 100)
        #expect(map.bytes == 1_000)
        #expect(map.evictions == 99_900)
        #expect(map.keysByRecency.first == 99_999)
        #expect(map.keysByRecency.last == 99_900)
    }

    func instance(_ id: String, inputBytes: Int) -> WorkflowInstance {
        WorkflowInstance(id: id, workflowId: "w", workflowVersion: 1, status: .running, input: ["blob": .string(String(repeating: "x", count: inputBytes))], createdAt: Timestamp(milliseconds: 0), updatedAt: Timestamp(milliseconds: 0))
    }

    @Test func theBudgetIsInBytesSoBigInstancesTakeMoreRoom() {
        let cache = InstanceCache(capacityBytes: 4 << 20)
        for n in 0..<1_000 { cache.put(VersionedInstance(instance: instance("small-\(n)", inputBytes: 100), revision: 1)) }
        let small = cache.statistics
        #expect(small.instances == 1_000)
        #expect(small.evictions == 0)
        #expect(small.bytes <= 4 << 20)
        // Ten instances of 400 KB each push out most of the small ones, oldest first.
        for n in 0..<10 { cache.put(VersionedInstance(instance: instance("big-\(n)", inputBytes: 400_000), revision: 1)) }
        let after = cache.statistics
        #expect(after.bytes <= 4 << 20)
        #expect(after.evictions > 800)
        #expect(cache.get("big-9")?.revision == 1)
        #expect(cache.get("small-0") == nil)
    }

    @Test func aForeachInstanceIsReMeasuredOnlyWhereItsChunksMoved() {
        var state = ForeachState(total: 1_000, items: ChunkedValues((0..<1_000).map { .number(Double($0)) }), outputs: ChunkedValues(count: 1_000, chunks: [:]))
        var instance = instance("fan", inputBytes: 10)
        instance.executions[Execution.rootId]!.foreach["each"] = state
        let first = InstanceFootprint(instance, previous: nil)
        #expect(first.bytes > 1_000 * 16)
        // An output lands in chunk 0 at revision 1: only that chunk is new.
        state.outputs.chunks[0] = ChunkedValues.Chunk(revision: 1, values: [.string(String(repeating: "o", count: 1_000))])
        instance.executions[Execution.rootId]!.foreach["each"] = state
        let second = InstanceFootprint(instance, previous: first)
        #expect(second.bytes == first.bytes + 64 + 32 + 1_000)
        // Same revision, different values: the memo is trusted (chunks change only with their revision).
        state.items.chunks[1]!.values[0] = .string(String(repeating: "z", count: 5_000))
        instance.executions[Execution.rootId]!.foreach["each"] = state
        #expect(InstanceFootprint(instance, previous: second).bytes == second.bytes)
        #expect(InstanceFootprint(instance, previous: nil).bytes > second.bytes + 4_000)
    }
}
