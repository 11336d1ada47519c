import Foundation

/// `baton metrics`: the few figures an operator looks at first, read from a `/metrics` scrape —
/// readiness, unfinished instances, throughput since start, workflow and step latency (from the
/// histograms' buckets), errors, backlogs, lag, store and pool.
public enum MetricsSummary {
    public static func render(_ metrics: PrometheusExposition) -> String {
        var lines: [(String, String)] = []
        lines.append(("ready", metrics.value("baton_ready") == 1 ? "yes" : "no"))

        let unfinished = metrics.samples("baton_instances")
        var byStatus: [String: Double] = [:]
        for sample in unfinished { byStatus[sample.labels["status"] ?? "?", default: 0] += sample.value }
        lines.append(("unfinished instances", byStatus.isEmpty ? "none" : byStatus.keys.sorted().map { "\($0) \(count(byStatus[$0]!))" }.joined(separator: ", ")))
        lines.append(("started since start", count(total(metrics, "baton_workflows_started_total"))))

        for workflow in Set(metrics.samples("baton_workflow_duration_seconds_count").compactMap { $0.labels["workflow"] }).sorted() {
            let labels = ["workflow": workflow]
            let ended = metrics.samples("baton_workflow_duration_seconds_count", labels)
            let statuses = ended.sorted { ($0.labels["status"] ?? "") < ($1.labels["status"] ?? "") }
                .map { "\($0.labels["status"] ?? "?") \(count($0.value))" }.joined(separator: ", ")
            lines.append(("workflow \(workflow)", "\(statuses); \(percentiles(metrics, "baton_workflow_duration_seconds", labels))"))
        }
        let steps = Set(metrics.samples("baton_step_duration_seconds_count").map { [$0.labels["workflow"] ?? "", $0.labels["step"] ?? ""] })
            .sorted { $0.lexicographicallyPrecedes($1) }
        for step in steps.prefix(12) {
            let labels = ["workflow": step[0], "step": step[1]]
            let done = metrics.samples("baton_step_duration_seconds_count", labels).reduce(0) { $0 + $1.value }
            lines.append(("step \(step[0])/\(step[1])", "\(count(done)) ended; \(percentiles(metrics, "baton_step_duration_seconds", labels))"))
        }
        let errors = metrics.samples("baton_step_errors_total").filter { $0.value > 0 }.sorted { $0.value > $1.value }
        lines.append((
            "step errors",
            errors.isEmpty ? "none" : errors.prefix(5).map { "\($0.labels["workflow"] ?? "?")/\($0.labels["step"] ?? "?") \($0.labels["code"] ?? "?") \(count($0.value))" }
                .joined(separator: ", ") + (errors.count > 5 ? ", …" : "")
        ))
        lines.append((
            "backlogs",
            "outbox \(count(metrics.value("baton_outbox_backlog") ?? 0)), timers \(count(metrics.value("baton_timers_pending") ?? 0)), dead letters \(count(metrics.value("baton_dead_letters") ?? 0))"
        ))
        let lag = metrics.samples("baton_consumer_lag")
        lines.append(("consumer lag", lag.isEmpty ? "no partition fetched yet" : "\(count(lag.reduce(0) { $0 + $1.value })) over \(lag.count) partitions"))
        lines.append(("store commits", "\(count(metrics.value("baton_store_commit_seconds_count") ?? 0)) batches; \(percentiles(metrics, "baton_store_commit_seconds", [:]))"))
        if let capacity = metrics.value("baton_store_pool_max_connections") {
            let inUse = metrics.value("baton_store_pool_connections", ["state": "in_use"]) ?? 0
            let waiting = metrics.value("baton_store_pool_connections", ["state": "waiting"]) ?? 0
            lines.append(("store pool", "\(count(inUse)) in use of \(count(capacity)), \(count(waiting)) waiting"))
        }
        lines.append(("conflicts", "\(count(metrics.value("baton_commit_conflicts_total") ?? 0)) batches refused by compare-and-set"))
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padded(to: width) + "  " + $0.1 }.joined(separator: "\n")
    }

    private static func total(_ metrics: PrometheusExposition, _ name: String) -> Double {
        metrics.samples(name).reduce(0) { $0 + $1.value }
    }

    /// p50 and p99 as the upper bounds of the buckets they fall in (all we can know from buckets).
    private static func percentiles(_ metrics: PrometheusExposition, _ name: String, _ labels: [String: String]) -> String {
        var cumulative: [Double: Double] = [:]
        for bucket in metrics.samples(name + "_bucket", labels) {
            guard let le = bucket.labels["le"], let bound = le == "+Inf" ? Double.infinity : Double(le) else { continue }
            cumulative[bound, default: 0] += bucket.value
        }
        let bounds = cumulative.keys.sorted()
        guard let all = bounds.last.flatMap({ cumulative[$0] }), all > 0 else { return "no samples" }
        func at(_ q: Double) -> String {
            let bound = bounds.first { cumulative[$0]! >= q * all } ?? .infinity
            return bound.isInfinite ? "> \(seconds(bounds.dropLast().last ?? 0))" : "≤ \(seconds(bound))"
        }
        return "p50 \(at(0.5)), p99 \(at(0.99))"
    }

    private static func seconds(_ value: Double) -> String {
        if value < 1 { return "\(formatted(value * 1000)) ms" }
        if value < 120 { return "\(formatted(value)) s" }
        return "\(formatted(value / 60)) min"
    }

    private static func formatted(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private static func count(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let digits = String(Int(value))
        var out = ""
        for (index, c) in digits.reversed().enumerated() {
            if index > 0, index % 3 == 0, c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}
