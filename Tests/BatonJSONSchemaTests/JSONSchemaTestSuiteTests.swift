import BatonExpressions
import BatonJSONSchema
import Foundation
import Testing

/// The official JSON-Schema-Test-Suite (draft 2020-12) is the oracle: every case of every required
/// file must pass, except the groups listed in ``outOfScope``, each with its reason.
///
/// Each file prints a `pass/total` line so the coverage can be reported; the optional directory
/// is run too and only prints its counts.
@Suite("JSON Schema test suite (draft 2020-12)")
struct JSONSchemaTestSuiteTests {
    /// A suite group this validator deliberately does not implement.
    struct OutOfScope {
        var file: String
        var group: String
        var reason: String
    }

    static let outOfScope: [OutOfScope] = [
        OutOfScope(
            file: "vocabulary.json",
            group: "schema that uses custom metaschema with with no validation vocabulary",
            reason: "$vocabulary is not supported: every known keyword applies, whatever vocabularies the meta-schema declares"
        ),
    ]

    @Test("every case of a required file passes", arguments: TestSuite.requiredFiles)
    func requiredFile(_ file: String) throws {
        guard file != TestSuite.missing else {
            Issue.record("\(TestSuite.missingMessage)")
            return
        }
        let groups = try TestSuite.groups(inFile: TestSuite.draftFolder.appendingPathComponent(file).path)
        let registry = try TestSuite.remotes()
        let skipped = Self.outOfScope.filter { $0.file == file }
        for entry in skipped where !groups.contains(where: { $0.description == entry.group }) {
            Issue.record("out-of-scope entry \"\(entry.group)\" matches no group of \(file); update the list")
        }
        let tally = TestSuite.run(
            groups, registry: registry,
            skip: { group in skipped.first { $0.group == group.description }?.reason },
            report: { group, testCase, actual, errors in
                let messages = errors.map(\.description).joined(separator: "; ")
                #expect(
                    actual == testCase.valid,
                    "\(file) / \(group.description) / \(testCase.description): expected \(testCase.valid ? "valid" : "invalid"), errors: [\(messages)]"
                )
                #expect(errors.isEmpty == actual, "\(file) / \(group.description) / \(testCase.description): isValid and validate disagree")
            },
            schemaFailed: { group, error in
                Issue.record("\(file) / \(group.description): the schema does not compile: \(error)")
            }
        )
        print("json-schema-test-suite draft2020-12/\(file): \(tally.summary)")
    }

    @Test("the optional tests run (counts only, never fails)")
    func optionalFiles() throws {
        guard FileManager.default.fileExists(atPath: TestSuite.optionalFolder.path) else {
            Issue.record("\(TestSuite.missingMessage)")
            return
        }
        let registry = try TestSuite.remotes()
        let files = try FileManager.default.subpathsOfDirectory(atPath: TestSuite.optionalFolder.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        var overall = TestSuite.Tally()
        for file in files {
            let groups = try TestSuite.groups(inFile: TestSuite.optionalFolder.appendingPathComponent(file).path)
            let tally = TestSuite.run(
                groups, registry: registry, skip: { _ in nil }, report: { _, _, _, _ in }, schemaFailed: { _, _ in })
            overall.add(tally)
            print("json-schema-test-suite draft2020-12/optional/\(file): \(tally.summary)")
        }
        print("json-schema-test-suite draft2020-12/optional (all): \(overall.summary)")
    }

    @Test("every out-of-scope entry names a file of the suite and gives a reason")
    func outOfScopeListIsExplicit() {
        for entry in Self.outOfScope {
            #expect(TestSuite.requiredFiles.contains(entry.file), "\(entry.file) is not a required file of the suite")
            #expect(!entry.reason.isEmpty)
        }
    }
}
