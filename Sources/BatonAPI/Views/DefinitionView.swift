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
