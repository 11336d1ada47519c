import BatonCore
import BatonExpressions
import BatonStore
import Testing

@testable import BatonStoreSQLite

/// A large foreach keeps its items, its outputs and a large input out of the instance document:
/// a result rewrites one small part, not every item.
@Suite("SQLite store: instance parts")
struct SQLiteInstancePartsTests {
    static let definition = """
        id: fan
        steps:
          - id: each
            type: foreach
            items: "${ $.input.orders }"
            maxConcurrency: 100
            steps: [{id: charge, type: task, taskType: pay, input: "${ $.item }"}]
        """

    func started(items: Int) throws -> (WorkflowDefinition, Transition) {
        let d = try DefinitionCompiler.compile(text: Self.definition, version: 1)
        let input: JSONValue = ["orders": .array((0..<items).map { .string("order-\($0)-with-some-payload") })]
        return (d, Engine().start(StartWorkflow(instanceId: "i1", input: input, origin: "api"), definition: d, now: at(0)))
    }

    func result(_ task: TaskDispatch) -> TaskResult {
        TaskResult(taskId: task.taskId, instanceId: "i1", stepId: task.stepId, executionId: task.executionId, attempt: 1, status: .completed, output: ["ok": .string(task.taskId)])
    }

    @Test func aResultRewritesOnePartAndTheDocumentDoesNotGrowWithTheItems() async throws {
        var documentBytes: [Int: Int] = [:]
        for items in [1_000, 10_000] {
            let directory = makeTemporaryDirectory()
            defer { removeTemporaryDirectory(directory) }
            let store = try await SQLiteStore.open(.init(path: directory + "/baton.db", synchronous: .normal))
            let (d, s) = try started(items: items)
            let first = store.prepare(StoreBatch(instances: [s.instance]))
            // The first write has every part: the input, and item and output chunks.
            let chunks = (items + ChunkedValues.chunkSize - 1) / ChunkedValues.chunkSize
            #expect(store.writtenParts.toWrite(first.encoded as! EncodedBatch).count == 1 + 2 * chunks)
            try await store.commit(prepared: first)

            let next = Engine().taskResultReceived(result(s.dispatches[0]), instance: s.instance, definition: d, at: at(1_000))
            var secondBatch = StoreBatch(instances: [next.instance])
            secondBatch.decidedFrom = ["i1": 1]
            let second = store.prepare(secondBatch)
            let encoded = second.encoded as! EncodedBatch
            #expect(store.writtenParts.toWrite(encoded).map(\.part.key) == ["root|each|outputs|0"])
            documentBytes[items] = encoded.instances[0].state.count
            try await store.commit(prepared: second)

            // What is read back is the instance that was written, parts and all.
            await store.close()
            let reopened = try await SQLiteStore.open(.init(path: directory + "/baton.db", synchronous: .normal))
            #expect(try await reopened.instance(id: "i1") == next.instance)
            // Having read it, the store knows its parts: the next result again writes one.
            let third = Engine().taskResultReceived(result(s.dispatches[1]), instance: next.instance, definition: d, at: at(2_000))
            #expect(reopened.writtenParts.toWrite(reopened.prepare(StoreBatch(instances: [third.instance])).encoded as! EncodedBatch).count == 1)
            await reopened.close()
        }
        print("foreach instance document per result: \(documentBytes[1_000]!) bytes at 1,000 items, \(documentBytes[10_000]!) at 10,000")
        #expect(documentBytes[10_000]! < documentBytes[1_000]! + 1_024)
    }
}

extension Transition {
    var dispatches: [TaskDispatch] {
        effects.compactMap { if case .dispatchTask(let d) = $0 { return d } else { return nil } }
    }
}
