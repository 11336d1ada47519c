import BatonExpressions

/// A page of `GET /v1/audit` as `baton audit list` prints it for a person.
public enum AuditList {
    public static func render(_ page: JSONValue) -> String {
        let items = page["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return "no audit records" }
        let rows = items.map { item in
            ["sequence", "time", "actor", "action", "target", "outcome", "source"].map { key in
                item[key].map { $0.stringValue ?? $0.serialized() } ?? ""
            }
        }
        var text = TextTable.render(headers: ["SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "OUTCOME", "SOURCE"], rows: rows)
        if let next = page["nextAfter"], next != .null { text += "\nmore: --after \(next.serialized())" }
        return text
    }
}
