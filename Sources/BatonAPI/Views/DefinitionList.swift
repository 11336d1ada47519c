import BatonExpressions

/// `GET /v1/definitions` as a table for `baton definitions`.
public enum DefinitionList {
    public static func render(_ list: JSONValue) -> String {
        let items = list["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return "no definitions" }
        let rows = items.map { item in
            [
                item["id"]?.stringValue ?? "?",
                String(item["latestVersion"]?.intValue ?? 0),
                String(item["versionCount"]?.intValue ?? 0),
                item["updatedAt"]?.stringValue ?? "",
            ]
        }
        return TextTable.render(headers: ["ID", "LATEST", "VERSIONS", "UPDATED"], rows: rows)
    }
}
