import BatonRuntime
import Foundation
import Testing

/// What operators read beside `/metrics` — the README's table and the Grafana dashboard — names
/// only metrics and labels that exist.
@Suite struct OperatingDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")

    /// The README's metrics table is the catalog's: a metric added without its row fails here.
    @Test func theReadmeListsEveryMetric() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(BatonMetric.markdownTable()), "README.md must contain the metrics table:\n\(BatonMetric.markdownTable())")
    }

    /// Every query of `deploy/grafana/baton.json` reads catalog metrics (histograms through their
    /// `_bucket`, `_sum`, `_count` series) and groups by labels they have.
    @Test func theDashboardQueriesOnlyExportedMetricsAndLabels() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("deploy/grafana/baton.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var queried: Set<String> = []
        var expressions = 0
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                let expr = try #require(target["expr"] as? String)
                expressions += 1
                let names = expr.matches(of: /baton_[a-z_]+/).map { String($0.output) }
                #expect(!names.isEmpty, "\(expr) reads no Baton metric")
                for name in names {
                    let metric = try #require(Self.metric(for: name), "\(name) in '\(expr)' is not exported")
                    queried.insert(metric.name)
                    let allowed = Set(metric.labels + ["le", "instance", "job"])
                    for grouping in expr.matches(of: /by \(([a-z_, ]+)\)/) {
                        for label in grouping.output.1.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                            #expect(allowed.contains(label), "'\(expr)' groups by \(label), which \(metric.name) does not have")
                        }
                    }
                }
            }
        }
        #expect(expressions >= 16)
        // The figures the issue names are all on the dashboard.
        let expected: [MetricDescription] = [
            BatonMetric.workflowDuration, BatonMetric.stepDuration, BatonMetric.stepErrors, BatonMetric.instances, BatonMetric.outboxBacklog,
            BatonMetric.consumerLag, BatonMetric.poolConnections, BatonMetric.commitDuration, BatonMetric.deadLetters, BatonMetric.commitsRefusedStale,
        ]
        for metric in expected {
            #expect(queried.contains(metric.name), "\(metric.name) is not on the dashboard")
        }
    }

    static func metric(for series: String) -> MetricDescription? {
        if let exact = BatonMetric.named(series) { return exact }
        for suffix in ["_bucket", "_sum", "_count"] where series.hasSuffix(suffix) {
            if let base = BatonMetric.named(String(series.dropLast(suffix.count))), base.kind == .histogram { return base }
        }
        return nil
    }
}
