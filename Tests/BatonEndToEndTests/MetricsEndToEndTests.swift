import BatonAPI
import BatonCore
import BatonExpressions
import BatonRuntime
import BatonServer
import Foundation
import Testing

extension EndToEnd {
    /// `GET /metrics` after real work on both stores: the values say what happened, the text is
    /// valid Prometheus (our strict parser, and `promtool check metrics` where installed), every
    /// metric is the catalog's, and no instance id reaches a label.
    @Suite struct MetricsEndToEndTests {
        static let flaky = """
            id: flaky
            steps:
              - id: call
                type: task
                taskType: flaky.call
                retry: { maxAttempts: 3, initialInterval: 100ms }
            """
        static let parked = """
            id: parked
            steps:
              - { id: wait, type: task, taskType: parked.wait }
            """

        @Test(arguments: StoreKind.allCases) func theScrapeCountsWhatHappenedInValidPrometheusText(_ store: StoreKind) async throws {
            // flaky.call fails its first attempt (UNAVAILABLE) and completes the second; nobody answers parked.wait.
            let worker: ExampleWorker.Behaviour = { task in
                guard task.taskType == "flaky.call" else { return nil }
                return task.attempt == 1
                    ? TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed, error: ErrorInfo(code: "UNAVAILABLE", message: "try again", retryable: true))
                    : TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: [:])
            }
            try await withHarness(worker: worker, definitions: [Self.flaky, Self.parked], store: store) { h in
                var ids: [String] = []
                for _ in 0..<3 {
                    let started = try await h.http("POST", "/v1/workflows/flaky/instances", body: "{}")
                    ids.append(try #require(started.json["id"]?.stringValue))
                }
                let parked = try await h.http("POST", "/v1/workflows/parked/instances", body: "{}")
                ids.append(try #require(parked.json["id"]?.stringValue))
                for id in ids.prefix(3) { #expect(try await h.waitForEnd(id).status == .completed) }
                try await h.waitUntil("the outbox to be published") { try await h.app.store.outboxCount() == 0 }

                let scrape = try await h.http("GET", "/metrics")
                #expect(scrape.status == 200)
                #expect(scrape.headers.first { $0.key.lowercased() == "content-type" }?.value.hasPrefix("text/plain; version=0.0.4") == true, "\(scrape.headers)")
                let text = try #require(scrape.json.stringValue)
                let metrics = try PrometheusExposition(parsing: text)

                #expect(metrics.value("baton_workflows_started_total", ["workflow": "flaky"]) == 3)
                #expect(metrics.value("baton_workflows_started_total", ["workflow": "parked"]) == 1)
                #expect(metrics.value("baton_workflow_duration_seconds_count", ["workflow": "flaky", "status": "COMPLETED"]) == 3)
                #expect(metrics.value("baton_step_duration_seconds_count", ["workflow": "flaky", "step": "call", "outcome": "completed"]) == 3)
                #expect(metrics.value("baton_step_errors_total", ["workflow": "flaky", "step": "call", "code": "UNAVAILABLE"]) == 3)
                // Each instance waited a retry back-off of about 100 ms: no flaky run took under 50 ms.
                #expect(metrics.value("baton_workflow_duration_seconds_bucket", ["workflow": "flaky", "status": "COMPLETED", "le": "0.05"]) == 0)
                #expect(metrics.value("baton_instances", ["workflow": "parked", "status": "RUNNING"]) == 1)
                #expect(metrics.samples("baton_instances", ["workflow": "flaky"]).isEmpty)
                #expect(metrics.value("baton_outbox_backlog") == 0)
                #expect(metrics.value("baton_dead_letters") == 0)
                #expect(metrics.value("baton_ready") == 1)
                #expect(metrics.value("baton_timers_fired_total") == 3)
                #expect((metrics.value("baton_messages_processed_total") ?? 0) >= 6)
                #expect((metrics.value("baton_store_commit_seconds_count") ?? 0) >= 1)
                // The results topic was fetched from, so its partitions have a lag, and it is 0 now.
                let lag = metrics.samples("baton_consumer_lag", ["topic": h.topics.taskResults])
                #expect(!lag.isEmpty)
                #expect(lag.allSatisfy { $0.value == 0 })
                if store == .postgres {
                    #expect((metrics.value("baton_store_pool_max_connections") ?? 0) > 0)
                    #expect(metrics.value("baton_store_pool_connections", ["state": "waiting"]) != nil)
                } else {
                    #expect(metrics.family("baton_store_pool_max_connections") == nil)
                }

                // Every family is the catalog's, with its type, help and labels.
                for family in metrics.families {
                    let entry = try #require(BatonMetric.named(family.name), "\(family.name) is not in BatonMetric.all")
                    #expect(family.type == entry.kind.rawValue, "\(family.name)")
                    #expect(family.help == entry.help, "\(family.name)")
                    for sample in family.samples {
                        let expected = Set(entry.labels + (sample.name.hasSuffix("_bucket") ? ["le"] : []))
                        #expect(Set(sample.labels.keys) == expected, "\(sample.name) \(sample.labels)")
                    }
                }
                for id in ids { #expect(!text.contains(id), "an instance id in /metrics") }
                try checkWithPromtool(text)
            }
        }

        @Test func theParserRefusesWhatPrometheusWouldRefuse() {
            let bad = [
                "baton_x 1\n",  // no TYPE
                "# TYPE baton_x counter\nbaton_x -1\n",  // negative counter
                "# TYPE baton_x gauge\nbaton_x{a=\"1\"} 1\nbaton_x{a=\"1\"} 2\n",  // duplicate series
                "# TYPE baton_x gauge\nbaton_x{1a=\"1\"} 1\n",  // bad label name
                "# TYPE baton_x gauge\nbaton_x{a=\"1} 1\n",  // unclosed value
                "# TYPE baton_h histogram\nbaton_h_bucket{le=\"1\"} 2\nbaton_h_bucket{le=\"+Inf\"} 1\nbaton_h_sum 1\nbaton_h_count 1\n",  // not cumulative
                "# TYPE baton_h histogram\nbaton_h_bucket{le=\"1\"} 1\nbaton_h_sum 1\nbaton_h_count 1\n",  // no +Inf
                "# TYPE baton_h histogram\nbaton_h_bucket{le=\"+Inf\"} 2\nbaton_h_sum 1\nbaton_h_count 1\n",  // count differs
            ]
            for text in bad { #expect(throws: PrometheusExposition.ParseError.self, "\(text)") { try PrometheusExposition(parsing: text) } }
            let good = "# HELP baton_h H \\\\ a\n# TYPE baton_h histogram\nbaton_h_bucket{w=\"a\\\"b\",le=\"0.5\"} 1\nbaton_h_bucket{w=\"a\\\"b\",le=\"+Inf\"} 2\nbaton_h_sum{w=\"a\\\"b\"} 1.5\nbaton_h_count{w=\"a\\\"b\"} 2\n"
            #expect(throws: Never.self) { try PrometheusExposition(parsing: good) }
            #expect((try? PrometheusExposition(parsing: good))?.value("baton_h_count", ["w": "a\"b"]) == 2)
        }
    }
}

/// `promtool check metrics` (Prometheus' own linter, from Debian's `prometheus` package, which
/// `make deps` installs when it can): exit 0 and no complaint. Skipped with a notice when absent.
func checkWithPromtool(_ text: String) throws {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/promtool" }
    guard let promtool = paths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        print("promtool is not installed: /metrics checked by the parser only (apt-get install --no-install-recommends prometheus)")
        return
    }
    let (status, said) = try runFeeding(promtool, ["check", "metrics"], input: text)
    #expect(status == 0, "promtool check metrics: \(said)")
    #expect(said.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool check metrics: \(said)")
}
