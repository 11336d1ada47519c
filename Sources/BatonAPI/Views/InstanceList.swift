import BatonExpressions

/// A page of `GET /v1/instances` as a table for `baton list`; the next page's cursor closes it.
public enum InstanceList {
    public static func render(_ page: JSONValue) -> String {
        let items = page["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return "no instances" }
        let rows = items.map { item in
            [
                item["id"]?.stringValue ?? "?",
                "\(item["workflowId"]?.stringValue ?? "?") v\(item["workflowVersion"]?.intValue ?? 0)",
                item["status"]?.stringValue ?? "?",
                item["createdAt"]?.stringValue ?? "",
                item["updatedAt"]?.stringValue ?? "",
                item["error"].flatMap { $0 == .null ? nil : $0["code"]?.stringValue } ?? "",
            ]
        }
        var text = TextTable.render(headers: ["ID", "WORKFLOW", "STATUS", "CREATED", "UPDATED", "ERROR"], rows: rows)
        if let cursor = page["nextCursor"]?.stringValue {
            text += "\n(more: --cursor \(cursor))"
        }
        return text
    }
}
