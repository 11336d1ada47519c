import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonStore
import Foundation
import Testing

extension EndToEnd {
    /// Bad input on every entry point — the trigger and result topics and the REST API — each
    /// answered precisely (a dead letter with its reason, or a problem+json with its status),
    /// while the service keeps running and good input right after is unaffected.
    @Suite("Bad input", .serialized, .timeLimit(.minutes(2)))
    struct BadInputTests {
        @Test func everyEntryPointAnswersBadInputPreciselyAndKeepsWorking() async throws {
            try await withHarness { h in
                let started = try await h.http("POST", "/v1/workflows/greet/instances", body: #"{"name":"Ada"}"#)
                let instance = try #require(started.json["id"]?.stringValue)
                _ = try await h.waitForEnd(instance)

                // Kafka: what goes wrong, and the dead-letter reason each must get.
                let big = String(repeating: "x", count: 70 * 1024)
                let kafka: [(KafkaRecord, String)] = [
                    (KafkaRecord(topic: h.topics.triggers, key: nil, value: Array("{not json".utf8)), "MALFORMED"),
                    (KafkaRecord(topic: h.topics.triggers, key: nil, value: [0xC3, 0x28]), "MALFORMED"),
                    (KafkaRecord(topic: h.topics.triggers, key: nil, value: Array(#"{"specversion":"1.0","id":"x","source":"s"}"#.utf8)), "SCHEMA_VIOLATION"),
                    (KafkaRecord(topic: h.topics.triggers, key: nil, value: Array(#"{"specversion":"1.0","id":7,"source":"s","type":"t"}"#.utf8)), "SCHEMA_VIOLATION"),
                    (KafkaRecord(topic: h.topics.triggers, key: nil, value: Array(#"{"specversion":"1.0","id":"u","source":"s","type":"no.such.workflow"}"#.utf8)), "NO_MATCHING_TRIGGER"),
                    (KafkaRecord(topic: h.topics.triggers, key: nil, value: Array(#"{"specversion":"1.0","id":"b","source":"s","type":"t","data":"\#(big)"}"#.utf8)), "OVERSIZED"),
                    (KafkaRecord(topic: h.topics.taskResults, key: nil, value: Array("[]".utf8)), "SCHEMA_VIOLATION"),
                    (KafkaRecord(topic: h.topics.taskResults, key: nil, value: Array(#"{"taskId":"a.1","instanceId":"a","stepId":"s","attempt":"one","status":"completed"}"#.utf8)), "SCHEMA_VIOLATION"),
                    (KafkaRecord(topic: h.topics.taskResults, key: nil, value: Array(#"{"taskId":"a.1","instanceId":"a","stepId":"s","status":"completed"}"#.utf8)), "SCHEMA_VIOLATION"),
                    (KafkaRecord(topic: h.topics.taskResults, key: nil, value: Array(#"{"taskId":"a.1","instanceId":"a","stepId":"s","attempt":1,"status":"exploded"}"#.utf8)), "SCHEMA_VIOLATION"),
                    (KafkaRecord(topic: h.topics.taskResults, key: nil, value: Array(#"{"taskId":"a.1","instanceId":"nobody","stepId":"s","attempt":1,"status":"completed"}"#.utf8)), "UNKNOWN_INSTANCE"),
                    (KafkaRecord(topic: h.topics.taskResults, key: nil, value: [0xFF]), "MALFORMED"),
                ]
                try await h.produce(kafka.map(\.0))

                // REST: what goes wrong, and the status and problem type each must get.
                let rest: [(method: String, path: String, body: [UInt8]?, status: Int, type: String)] = [
                    ("POST", "/v1/definitions", Array("{ nope".utf8), 400, "malformed-json"),
                    ("POST", "/v1/definitions", Array(#"{"id":"x","steps":[{"id":"a","type":"choice","choices":[{"when":"$.a >","next":"a"}]}]}"#.utf8), 422, "invalid-definition"),
                    ("POST", "/v1/definitions", Array(#"{"id":7,"steps":"many"}"#.utf8), 422, "invalid-definition"),
                    ("POST", "/v1/workflows/no-such-workflow/instances", Array("{}".utf8), 404, "not-found"),
                    ("POST", "/v1/workflows/greet/instances", [0xC3, 0x28], 400, "malformed-json"),
                    ("POST", "/v1/workflows/greet/instances", Array(("\"" + String(repeating: "y", count: 1_100_000) + "\"").utf8), 413, "content-too-large"),
                    ("GET", "/v1/instances?limit=zero", nil, 400, "invalid-parameter"),
                    ("POST", "/v1/instances/\(instance)/rerun", Array("{}".utf8), 400, "invalid-input"),
                    ("POST", "/v1/instances/\(instance)/pause", Array("{}".utf8), 409, "conflict"),
                    ("GET", "/v1/dead-letters/abc", nil, 400, "invalid-parameter"),
                ]
                var restOK = 0
                for call in rest {
                    let response = try await h.http(call.method, call.path, bytes: call.body)
                    let type = response.json["type"]?.stringValue ?? ""
                    #expect(response.status == call.status, "\(call.method) \(call.path): \(response.status) \(response.json)")
                    #expect(type == "https://baton.dev/problems/\(call.type)", "\(call.method) \(call.path): \(type)")
                    #expect(response.headers["content-type"]?.hasPrefix("application/problem+json") == true)
                    if response.status == call.status && type.hasSuffix(call.type) { restOK += 1 }
                }

                // Good input right after is unaffected, and the service is still ready.
                let good = try await h.http("POST", "/v1/workflows/greet/instances", body: #"{"name":"Grace"}"#)
                let next = try #require(good.json["id"]?.stringValue)
                #expect(try await h.waitForEnd(next).status == .completed)
                try await h.waitUntil("every bad Kafka input in the dead letters") {
                    try await h.service.deadLetters(DeadLetterQuery()).count >= kafka.count
                }
                let letters = try await h.service.deadLetters(DeadLetterQuery())
                #expect(letters.map(\.reason).sorted() == kafka.map(\.1).sorted())
                #expect(letters.allSatisfy { !$0.message.isEmpty })
                #expect(try await h.http("GET", "/readyz").status == 200)
                var byReason: [String: Int] = [:]
                for letter in letters { byReason[letter.reason, default: 0] += 1 }
                print("bad input: \(kafka.count) bad Kafka inputs → \(letters.count) dead letters \(byReason); \(rest.count) bad REST calls → \(restOK) precise problem responses; good input after: completed; ready: yes")
            }
        }
    }
}
