import BatonAPI
import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import BatonStore
import Foundation
import Hummingbird
import Testing

/// An OTLP/HTTP collector on 127.0.0.1 that keeps every body it is sent, and refuses them with
/// 503 while `refusing` is set.
final class TestCollector: Sendable {
    let bodies = Locked<[[UInt8]]>([])
    let refusing = Locked(false)
    private let port = Locked<Int?>(nil)
    private let task: Task<Void, any Error>

    init() async throws {
        let router = Router()
        let (bodies, refusing) = (bodies, refusing)
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            if refusing.withLock({ $0 }) { return Response(status: .serviceUnavailable) }
            bodies.withLock { $0.append(Array(body.readableBytesView)) }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        let port = port
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }
        )
        task = Task { try await app.runService() }
        let deadline = ContinuousClock.now + .seconds(10)
        while port.withLock({ $0 }) == nil {
            guard ContinuousClock.now < deadline else { throw HarnessError("the test collector did not start") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    var endpoint: OTLPEndpoint { OTLPEndpoint(host: "127.0.0.1", port: port.withLock { $0 }!) }

    /// Every span received so far, as parsed JSON.
    var spans: [JSONValue] {
        bodies.withLock { $0 }.flatMap { body -> [JSONValue] in
            guard let json = try? JSONValue.parse(body) else { return [] }
            return (json["resourceSpans"]?.arrayValue ?? []).flatMap { ($0["scopeSpans"]?.arrayValue ?? []).flatMap { $0["spans"]?.arrayValue ?? [] } }
        }
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

extension EndToEnd {
    /// Workflow and step spans exported to a real OTLP/HTTP endpoint while real Kafka records flow:
    /// one trace per workflow tree, each span with the id its records carried, bodies valid for
    /// opentelemetry-proto; a collector that refuses costs dropped spans, counted, and nothing else.
    @Suite struct SpanExportEndToEndTests {
        static let callerTrace = TraceContextEndToEndTests.callerTrace

        func header(_ message: KafkaMessage, _ name: String) -> String? {
            message.headers.last { $0.key == name }.map { String(decoding: $0.value ?? [], as: UTF8.self) }
        }

        /// The span id a record's `traceparent` names.
        func spanId(_ message: KafkaMessage) -> String? {
            header(message, "traceparent")?.split(separator: "-").dropFirst(2).first.map(String.init)
        }

        @Test func stepsAreSpansUnderTheirWorkflowInTheCallersTrace() async throws {
            let collector = try await TestCollector()
            defer { Task { await collector.stop() } }
            let worker: ExampleWorker.Behaviour = { task in
                TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: [:])
            }
            try await withHarness(
                worker: worker, definitions: [TraceContextEndToEndTests.child, TraceContextEndToEndTests.traced],
                configure: {
                    $0.tracing.otlpEndpoint = collector.endpoint
                    $0.tracing.interval = .milliseconds(200)
                }
            ) { h in
                let event = """
                    {"specversion":"1.0","id":"s-1","source":"shop","type":"com.example.traced","data":{},
                     "traceparent":"00-\(Self.callerTrace)-00f067aa0ba902b7-01"}
                    """
                try await h.produce([KafkaRecord(topic: h.topics.triggers, key: Array("s-1".utf8), value: Array(event.utf8))])
                try await h.waitUntil("the traced workflow's span to be exported", timeout: .seconds(30)) {
                    collector.spans.contains { $0["name"] == "workflow traced" }
                }
                let id = try #require(try await h.service.instances(InstanceQuery(workflowId: "traced")).instances.first?.id)
                let childId = try #require(try await h.service.instances(InstanceQuery(workflowId: "traced-child")).instances.first?.id)
                let spans = collector.spans
                func span(_ name: String) throws -> JSONValue { try #require(spans.first { $0["name"] == .string(name) }, "no span \(name) in \(spans.map { $0["name"] ?? .null })") }

                #expect(Set(spans.compactMap { $0["traceId"]?.stringValue }) == [Self.callerTrace], "one trace for the whole tree")
                let workflow = try span("workflow traced")
                #expect(workflow["spanId"] == .string(TraceContext.workflowSpan(id)))
                #expect(workflow["parentSpanId"] == "00f067aa0ba902b7", "the caller's span is the workflow's parent")
                // Each step span has the id its task request carried: a worker's span hangs under it.
                let call = try span("step call")
                let callRequest = try #require(try await h.readAll(h.topics.tasks("traced.call")).first)
                #expect(call["spanId"]?.stringValue == spanId(callRequest))
                #expect(call["parentSpanId"] == .string(TraceContext.workflowSpan(id)))
                #expect(call["kind"] == 4)
                // The child workflow is a span under its parent workflow's, its step under it.
                let child = try span("workflow traced-child")
                #expect(child["spanId"] == .string(TraceContext.workflowSpan(childId)))
                #expect(child["parentSpanId"] == .string(TraceContext.workflowSpan(id)))
                let work = try span("step work")
                let workRequest = try #require(try await h.readAll(h.topics.tasks("traced.child")).first)
                #expect(work["spanId"]?.stringValue == spanId(workRequest))
                #expect(work["parentSpanId"] == .string(TraceContext.workflowSpan(childId)))
                let start = try #require(call["startTimeUnixNano"]?.stringValue.flatMap { UInt64($0) })
                let end = try #require(call["endTimeUnixNano"]?.stringValue.flatMap { UInt64($0) })
                #expect(end >= start && end - start < 60_000_000_000)

                // The outside check: opentelemetry-proto parses every body strictly.
                let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                let (status, report) = try runFeeding(
                    "/usr/bin/env", ["python3", root.appendingPathComponent("Tests/Support/validate_otlp.py").path],
                    input: collector.bodies.withLock { $0 }.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
                )
                #expect(status == 0, "\(report)")

                // A collector that refuses: the spans are dropped and counted; workflows go on.
                collector.refusing.withLock { $0 = true }
                let refused = try await h.http("POST", "/v1/workflows/traced/instances", body: "{}")
                let refusedId = try #require(refused.json["id"]?.stringValue)
                #expect(try await h.waitForEnd(refusedId).status == .completed)
                try await h.waitUntil("the refused spans to be counted", timeout: .seconds(30)) {
                    let text = try await h.http("GET", "/metrics").json.stringValue ?? ""
                    return (try PrometheusExposition(parsing: text).value("baton_spans_dropped_total", ["reason": "export_failed"]) ?? 0) >= 2
                }
                let metrics = try PrometheusExposition(parsing: try await h.http("GET", "/metrics").json.stringValue ?? "")
                #expect((metrics.value("baton_spans_exported_total", [:]) ?? 0) >= Double(spans.count))
                #expect(!collector.spans.contains { $0["spanId"] == .string(TraceContext.workflowSpan(refusedId)) })
            }
        }
    }
}
