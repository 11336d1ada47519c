import BatonCore
import Foundation
import Testing
import Yams

/// The names users read in the README and the schemas are the code's own: every instance status,
/// step status, step type and history event type the code has appears in both, and the schemas
/// list nothing the code lacks. (The README once omitted PAUSED, WAITING, CANCELLED and `wait`.)
@Suite("Docs and schemas agree with the code")
struct DocumentationAgreementTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
    }

    static func openAPISchema(_ name: String) throws -> [String: Any] {
        let document = try #require(try Yams.load(yaml: try text("schemas/openapi.yaml")) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        return try #require(schemas[name] as? [String: Any])
    }

    /// README text from `label` to the end of its paragraph, or to `until` if that comes first.
    static func readmeList(_ label: String, until: String? = nil) throws -> String {
        let readme = try text("README.md")
        let start = try #require(readme.range(of: label), "README.md has no '\(label)'")
        var rest = readme[start.upperBound...]
        if let end = rest.range(of: "\n\n") { rest = rest[..<end.lowerBound] }
        if let until, let end = rest.range(of: until) { rest = rest[..<end.lowerBound] }
        return String(rest)
    }

    /// Upper-case codes (RUNNING, TIMED_OUT) in a README list; prose in parentheses is lower case.
    static func codes(_ list: String) -> Set<String> {
        Set(list.matches(of: /\b[A-Z][A-Z_]+\b/).map { String($0.0) })
    }

    /// CamelCase names (WorkflowStarted) in a README list.
    static func camelNames(_ list: String) -> Set<String> {
        Set(list.matches(of: /\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b/).map { String($0.0) })
    }

    @Test func instanceStatuses() throws {
        let code = Set(InstanceStatus.allCases.map(\.rawValue))
        #expect(Self.codes(try Self.readmeList("Instance statuses:", until: "Step statuses:")) == code)
        #expect(Set(try #require(try Self.openAPISchema("InstanceStatus")["enum"] as? [String])) == code)
    }

    @Test func stepStatuses() throws {
        let code = Set(StepStatus.allCases.map(\.rawValue))
        #expect(Self.codes(try Self.readmeList("Step statuses:")) == code)
        #expect(Set(try #require(try Self.openAPISchema("StepStatus")["enum"] as? [String])) == code)
    }

    @Test func stepTypes() throws {
        let code = Set(DefinitionCompiler.stepTypes)
        let readme = try Self.readmeList("Step types:")
        for type in code { #expect(readme.contains("`\(type)`"), "README's step types lack `\(type)`") }
        let schema = try Self.text("schemas/workflow-definition.schema.json")
        let consts = Set(schema.matches(of: /"const": "([a-z][A-Za-z]*)"/).map { String($0.1) })
        #expect(consts == code)
    }

    @Test func historyEventTypes() throws {
        let code = Set(HistoryEventType.allCases.map(\.rawValue))
        let history = try #require((try Self.openAPISchema("HistoryEvent")["properties"] as? [String: Any])?["type"] as? [String: Any])
        #expect(Set(try #require(history["enum"] as? [String])) == code)
        #expect(Self.camelNames(try Self.readmeList("History event types:")) == code)
    }

    @Test func taskStepSettings() throws {
        let readme = try Self.text("README.md")
        for setting in ["timeout", "heartbeatTimeout", "scheduleToStartTimeout", "retry", "catch", "fallback", "continueOnFailure"] {
            #expect(readme.contains("\(setting):"), "README does not show `\(setting):` in a definition")
        }
    }
}
