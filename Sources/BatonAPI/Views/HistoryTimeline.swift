import BatonExpressions

/// `GET /v1/instances/{id}/history` as a timeline for `baton history`: one line per event with
/// where it happened (step, execution, task and attempt) and its data cut to one line.
public enum HistoryTimeline {
    /// The data column's width: the full data is one `--json` away.
    static let dataWidth = 100

    public static func render(_ events: [JSONValue]) -> String {
        guard !events.isEmpty else { return "no history" }
        let rows = events.map { event -> [String] in
            var place = event["stepId"]?.stringValue ?? ""
            if let execution = event["executionId"]?.stringValue { place += place.isEmpty ? "[\(execution)]" : " [\(execution)]" }
            if let task = event["taskId"]?.stringValue { place += " task \(task)" }
            if let attempt = event["attempt"]?.intValue { place += " #\(attempt)" }
            let data = event["data"].map { $0 == .null ? "" : $0.serialized() } ?? ""
            return [
                String(event["sequence"]?.intValue ?? 0),
                event["time"]?.stringValue ?? "",
                event["type"]?.stringValue ?? "?",
                place,
                data.truncated(to: dataWidth),
            ]
        }
        return TextTable.render(headers: ["#", "TIME", "EVENT", "WHERE", "DATA"], rows: rows)
    }
}
