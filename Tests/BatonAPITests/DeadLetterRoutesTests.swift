import BatonCore
import BatonExpressions
import BatonRuntime
import BatonStore
import Testing

/// Listing and redriving dead letters over HTTP, against the real orchestrator and store.
@Suite("Dead-letter routes")
struct DeadLetterRoutesTests {
    static func poison(_ harness: Harness) async throws {
        _ = try await harness.orchestrator.process([
            InboundMessage(topic: "baton.triggers", partition: 2, offset: 7, key: Array("k".utf8), value: Array("not json".utf8), headers: [.init(key: "trace", value: Array("t-1".utf8))]),
            InboundMessage(topic: "baton.task-results", partition: 0, offset: 9, key: nil, value: [0xFF, 0xFE, 0x00]),
        ])
    }

    @Test func deadLettersAreListedWithTheirReasonAndBytes() async throws {
        let harness = Harness()
        try await Self.poison(harness)
        try await withAPIServer(harness.service) { client in
            let page = try await client.get("/v1/dead-letters").json()
            #expect(page["items"]?.arrayValue?.count == 2)
            #expect(page["nextAfter"] == .null)
            let first = try #require(page["items"]?[0])
            #expect(first["id"] == 1)
            #expect(first["sourceTopic"] == "baton.triggers")
            #expect(first["sourcePartition"] == 2)
            #expect(first["sourceOffset"] == 7)
            #expect(first["key"] == "k")
            #expect(first["value"] == "not json")
            #expect(first["valueEncoding"] == "utf8")
            #expect(first["headers"] == [["key": "trace", "value": "t-1", "valueEncoding": "utf8"]])
            #expect(first["reason"] == "MALFORMED")
            #expect(first["redrivenAt"] == .null)
            let second = try #require(page["items"]?[1])
            #expect(second["value"] == "//4A")
            #expect(second["valueEncoding"] == "base64")

            #expect(try await client.get("/v1/dead-letters?topic=baton.task-results").json()["items"]?.arrayValue?.count == 1)
            #expect(try await client.get("/v1/dead-letters?limit=1").json()["nextAfter"] == 1)
            #expect(try await client.get("/v1/dead-letters?after=1").json()["items"]?[0]?["id"] == 2)
            #expect(try await client.get("/v1/dead-letters/2").json()["reason"] == second["reason"])
            #expect(try await client.get("/v1/dead-letters/99").status == 404)
            #expect(try await client.get("/v1/dead-letters?state=later").status == 400)
        }
    }

    @Test func redriveReInjectsTheOriginalThroughTheOutboxAndMarksIt() async throws {
        let harness = Harness()
        try await Self.poison(harness)
        let outboxBefore = try await harness.orchestrator.store.outboxCount()
        try await withAPIServer(harness.service) { client in
            let response = try await client.post("/v1/dead-letters/1/redrive", json: [:], headers: [("X-Baton-Actor", "ops")])
            #expect(response.status == 200)
            let view = try response.json()
            #expect(view["redrivenAt"] != .null)
            #expect(view["redriveCount"] == 1)
            let rows = try await harness.orchestrator.store.pendingOutbox(limit: 100)
            #expect(rows.count == outboxBefore + 1)
            let copy = try #require(rows.last)
            #expect(copy.topic == "baton.triggers")
            #expect(copy.key == Array("k".utf8))
            #expect(copy.value == Array("not json".utf8))
            #expect(copy.headers == [
                OutboxHeader(key: "trace", value: Array("t-1".utf8)), OutboxHeader(key: "baton-redrive-of", value: Array("1".utf8)),
                OutboxHeader(key: "baton-redriven-by", value: Array("ops".utf8)),
            ])
            // Pending only by default: the redriven one is no longer listed.
            #expect(try await client.get("/v1/dead-letters").json()["items"]?.arrayValue?.map { $0["id"] } == [2])
            #expect(try await client.get("/v1/dead-letters?state=redriven").json()["items"]?.arrayValue?.map { $0["id"] } == [1])
        }
    }

    @Test func redriveAllByFilter() async throws {
        let harness = Harness()
        try await Self.poison(harness)
        try await withAPIServer(harness.service) { client in
            let all = try await client.post("/v1/dead-letters/redrive", json: ["reason": "MALFORMED"]).json()
            #expect(all["count"] == 2)
            let none = try await client.post("/v1/dead-letters/redrive", json: ["reason": "MALFORMED"]).json()
            #expect(none["count"] == 0)
            let bad = try await client.post("/v1/dead-letters/redrive", json: ["ids": ["one"]])
            #expect(bad.status == 400)
            #expect(try bad.json()["errors"]?[0]?["pointer"] == "/ids/0")
        }
    }
}
