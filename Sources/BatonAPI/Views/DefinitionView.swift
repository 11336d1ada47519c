import BatonCore
import BatonExpressions
import BatonStore

/// Definitions as the API shows them. The shapes are documented in `schemas/openapi.yaml`
/// (`Definition`, `DefinitionSummary`); change both together.
enum DefinitionView {
    static func record(_ record: DefinitionRecord) -> JSONValue {
        [
            "id": .string(record.id),
            "version": .number(Double(record.version)),
            "createdAt": .string(record.createdAt.iso8601),
            "document": record.document,
        ]
    }

    /// A version with how many instances run on it (and ended on it), by status: an operator
    /// retires a version once nothing runs on it.
    static func record(_ record: DefinitionRecord, instances: [InstanceCount]) -> JSONValue {
        guard case .object(var members) = self.record(record) else { return .null }
        var byStatus: [String: JSONValue] = [:]
        for count in instances { byStatus[count.status.rawValue] = .number(Double(count.count)) }
        let active = instances.filter { !$0.status.isTerminal }.reduce(0) { $0 + $1.count }
        members["instances"] = [
            "active": .number(Double(active)), "total": .number(Double(instances.reduce(0) { $0 + $1.count })), "byStatus": .object(byStatus),
        ]
        return .object(members)
    }

    static func summary(_ summary: DefinitionSummary) -> JSONValue {
        [
            "id": .string(summary.id),
            "latestVersion": .number(Double(summary.latestVersion)),
            "versionCount": .number(Double(summary.versionCount)),
            "updatedAt": .string(summary.updatedAt.iso8601),
        ]
    }

    /// Where a registered version lives, for `Location`.
    static func location(id: String, version: Int) -> String {
        "/v1/definitions/\(PercentEncoding.encodePathSegment(id))/versions/\(version)"
    }
}
