/// Every metric Baton exports, described once: name, kind, labels, help and histogram buckets.
///
/// The runtime records through swift-metrics with these names; the exporter reads the same entries
/// for `# HELP` lines and bucket bounds, and the README's metrics table is checked against them, so
/// a metric cannot exist without its documentation. Names follow Prometheus' conventions (`baton_`
/// prefix, base units, `_total` for counters, `_seconds` for durations); labels take values from
/// bounded sets only — workflow and step ids (bounded by the definitions), statuses, error codes
/// (capped, see `LabelBudget`), topics and partitions — never instance or task ids.
public struct MetricDescription: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case counter, gauge, histogram }

    public let name: String
    public let kind: Kind
    public let labels: [String]
    public let help: String
    /// Upper bounds of a histogram's buckets, in the metric's unit (seconds); empty otherwise.
    public let buckets: [Double]

    init(_ name: String, _ kind: Kind, labels: [String] = [], buckets: [Double] = [], _ help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
        self.buckets = buckets
    }
}

public enum BatonMetric {
    // MARK: Recorded as work commits

    public static let workflowDuration = MetricDescription(
        "baton_workflow_duration_seconds", .histogram, labels: ["workflow", "status"],
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400, 604800],
        "Time from a workflow instance's start to its end, by workflow and final status (COMPLETED, FAILED, CANCELLED, TIMED_OUT)."
    )
    public static let stepDuration = MetricDescription(
        "baton_step_duration_seconds", .histogram, labels: ["workflow", "step", "outcome"],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
        "How long steps took, from their last attempt's dispatch to its result (failures of steps that run no task count 0), by workflow, step and outcome (completed, failed)."
    )
    public static let workflowsStarted = MetricDescription(
        "baton_workflows_started_total", .counter, labels: ["workflow"],
        "Workflow instances started (by trigger, REST, schedule or a parent workflow)."
    )
    public static let stepErrors = MetricDescription(
        "baton_step_errors_total", .counter, labels: ["workflow", "step", "code"],
        "Failed step attempts (worker errors, timeouts, mapping and expression errors), whether retried or final, by workflow, step and error code."
    )
    public static let scheduleFireTimes = MetricDescription(
        "baton_schedule_fire_times_total", .counter, labels: ["schedule", "outcome"],
        "Fire times decided by this process, by schedule and outcome (started, skipped while the previous run went on, buffered, missed beyond the catch-up window)."
    )
    public static let retentionPurged = MetricDescription(
        "baton_retention_purged_total", .counter, labels: ["kind"],
        "What retention removed from the store: finished instances (with their history and step executions) and dedupe marks."
    )
    public static let commitDuration = MetricDescription(
        "baton_store_commit_seconds", .histogram,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        "Time to write one batch of decisions to the store, including its fsync (SQLite) or commit round trip (PostgreSQL)."
    )

    public static let spansExported = MetricDescription(
        "baton_spans_exported_total", .counter, "Workflow and step spans the OTLP collector (tracing.otlpEndpoint) accepted."
    )
    public static let spansDropped = MetricDescription(
        "baton_spans_dropped_total", .counter, labels: ["reason"],
        "Spans not exported, by reason: buffer_full (the collector fell behind by more than 8,192 spans) or export_failed (it refused or could not be reached)."
    )

    // MARK: Counted by the runtime, exported as they stand at each scrape

    public static let messagesProcessed = MetricDescription(
        "baton_messages_processed_total", .counter, "Kafka messages (triggers, task results, signals) the orchestrator decided on."
    )
    public static let batchesCommitted = MetricDescription("baton_batches_committed_total", .counter, "Batches of decisions committed to the store.")
    public static let inputsIgnored = MetricDescription(
        "baton_inputs_ignored_total", .counter, labels: ["reason"],
        "Inputs that changed nothing (duplicates, stale or late results, finished instances), by reason."
    )
    public static let deadLettered = MetricDescription(
        "baton_dead_lettered_total", .counter, labels: ["reason"], "Inputs written to the dead-letter topic and table, by reason."
    )
    public static let timersFired = MetricDescription("baton_timers_fired_total", .counter, "Timers (retries, timeouts, waits) that changed an instance.")
    public static let outboxPublished = MetricDescription("baton_outbox_published_total", .counter, "Outbox records published to Kafka and acknowledged.")
    public static let outboxParked = MetricDescription(
        "baton_outbox_parked_total", .counter, "Outbox records parked because Kafka refused them for good (GET /v1/outbox/parked)."
    )
    public static let commitsRefusedStale = MetricDescription(
        "baton_commit_conflicts_total", .counter,
        "Batches the store refused because another Baton process had moved one of their instances on (compare-and-set); each is decided again."
    )
    public static let commandsDecidedAgain = MetricDescription(
        "baton_commands_decided_again_total", .counter, "API commands decided again after such a refusal."
    )
    public static let triggersDeduplicated = MetricDescription(
        "baton_triggers_deduplicated_total", .counter, "Trigger events ignored because their idempotency key had started an instance already."
    )

    // MARK: Sampled from the store and the clients at each scrape

    public static let instances = MetricDescription(
        "baton_instances", .gauge, labels: ["workflow", "status"], "Unfinished workflow instances in the store, by workflow and status (QUEUED, RUNNING, PAUSED)."
    )
    public static let timersPending = MetricDescription(
        "baton_timers_pending", .gauge, "Timers set in the store (retry back-offs, timeouts, delays, waits), due or not."
    )
    public static let outboxBacklog = MetricDescription(
        "baton_outbox_backlog", .gauge, "Outbox records committed but not yet acknowledged by Kafka (all processes)."
    )
    public static let deadLetters = MetricDescription("baton_dead_letters", .gauge, "Dead letters kept in the store, redriven or not.")
    public static let consumerLag = MetricDescription(
        "baton_consumer_lag", .gauge, labels: ["topic", "partition"],
        "Messages between this process's position and the end of each input partition it is assigned."
    )
    public static let poolConnections = MetricDescription(
        "baton_store_pool_connections", .gauge, labels: ["state"],
        "PostgreSQL pool use by this process: connections in use, and operations waiting for one."
    )
    public static let poolCapacity = MetricDescription(
        "baton_store_pool_max_connections", .gauge, "Most connections the PostgreSQL pool of this process opens."
    )
    public static let cacheBytes = MetricDescription(
        "baton_instance_cache_bytes", .gauge, "Estimated bytes of the running instances this process keeps decoded in memory."
    )
    public static let ready = MetricDescription("baton_ready", .gauge, "1 when this process takes work (GET /readyz answers 200), else 0.")
    public static let dispatchesHeld = MetricDescription(
        "baton_dispatches_held", .gauge, labels: ["task_type"], "Task requests held back by limits.taskRates, waiting for their task type's next token (all processes)."
    )
    public static let circuitState = MetricDescription(
        "baton_circuit_state", .gauge, labels: ["task_type"], "Each task type's circuit breaker: 0 closed, 1 open (its requests held), 2 half-open (one probe out)."
    )
    public static let intakePaused = MetricDescription(
        "baton_intake_paused", .gauge, "1 while this process has paused its trigger topic (outbox backlog or queue past its high-water mark), else 0."
    )

    /// Every metric, in the order of the README's table.
    public static let all: [MetricDescription] = [
        workflowDuration, stepDuration, workflowsStarted, stepErrors, scheduleFireTimes, retentionPurged, commitDuration, spansExported, spansDropped,
        messagesProcessed, batchesCommitted, inputsIgnored, deadLettered, timersFired, outboxPublished, outboxParked,
        commitsRefusedStale, commandsDecidedAgain, triggersDeduplicated,
        instances, timersPending, outboxBacklog, deadLetters, consumerLag, poolConnections, poolCapacity, cacheBytes, ready, intakePaused, dispatchesHeld, circuitState,
    ]

    /// The entry named `name`, for exporters that attach help text and buckets.
    public static func named(_ name: String) -> MetricDescription? { byName[name] }

    private static let byName: [String: MetricDescription] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}

extension BatonMetric {
    /// The README's metrics table (checked by a test, so it cannot drift from the catalog).
    public static func markdownTable() -> String {
        var lines = ["| metric | type | labels | what it measures |", "|---|---|---|---|"]
        for metric in all {
            let labels = metric.labels.isEmpty ? "" : metric.labels.map { "`\($0)`" }.joined(separator: ", ")
            lines.append("| `\(metric.name)` | \(metric.kind.rawValue) | \(labels) | \(metric.help) |")
        }
        return lines.joined(separator: "\n")
    }
}
