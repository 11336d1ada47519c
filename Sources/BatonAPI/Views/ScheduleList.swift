import BatonExpressions

/// `GET /v1/schedules` as a table for `baton schedule list`.
public enum ScheduleList {
    public static func render(_ list: JSONValue) -> String {
        let items = list["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return "no schedules" }
        let rows = items.map { item -> [String] in
            let document = item["document"]
            var timing = document?["cron"]?.stringValue.map { "cron \($0)" } ?? document?["every"]?.stringValue.map { "every \($0)" } ?? "?"
            if let zone = document?["timezone"]?.stringValue { timing += " (\(zone))" }
            return [
                item["id"]?.stringValue ?? "?",
                item["workflowId"]?.stringValue ?? "?",
                timing,
                document?["overlap"]?.stringValue ?? "skip",
                item["paused"]?.boolValue == true ? "paused" : (item["nextFireAt"]?.stringValue ?? "ended"),
            ]
        }
        return TextTable.render(headers: ["ID", "WORKFLOW", "TIMING", "OVERLAP", "NEXT"], rows: rows)
    }
}
