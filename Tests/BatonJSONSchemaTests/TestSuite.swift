import BatonExpressions
import BatonJSONSchema
import Foundation

/// The official JSON-Schema-Test-Suite, read from beside the repository:
/// `<package root>/../shared/testdata/json-schema-test-suite` (CI places it the same way). It is
/// never copied into the repository.
enum TestSuite {
    /// The suite's root folder, found from this file's path:
    /// `<package root>/Tests/BatonJSONSchemaTests/TestSuite.swift`.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("shared/testdata/json-schema-test-suite")

    static let draftFolder = root.appendingPathComponent("tests/draft2020-12")
    static let optionalFolder = draftFolder.appendingPathComponent("optional")
    static let remotesFolder = root.appendingPathComponent("remotes")

    /// The argument that stands for "no files found", so a missing suite fails loudly instead of
    /// producing a parameterised test with no cases, which would pass.
    static let missing = "<json-schema-test-suite not found>"

    /// The required files (`tests/draft2020-12/*.json`, not `optional/`), sorted.
    static let requiredFiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: draftFolder.path)) ?? []
        let files = names.filter { $0.hasSuffix(".json") }.sorted()
        return files.isEmpty ? [missing] : files
    }()

    /// The failure message for a missing suite.
    static var missingMessage: String {
        "the JSON-Schema-Test-Suite is missing: expected tests/draft2020-12/*.json under \(root.path) "
            + "(a checkout of json-schema-org/JSON-Schema-Test-Suite beside the repository, see its SOURCE.txt)"
    }

    /// One group of a suite file: a schema and the instances to validate against it.
    struct Group {
        var description: String
        var schema: JSONValue
        var cases: [Case]
    }

    /// One instance and whether the suite says it is valid.
    struct Case {
        var description: String
        var data: JSONValue
        var valid: Bool
    }

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    /// The groups of the suite file at `path`.
    static func groups(inFile path: String) throws -> [Group] {
        let document = try parse(path)
        guard case .array(let groups) = document else { throw LoadError(description: "\(path) is not an array of groups") }
        var result: [Group] = []
        for group in groups {
            guard let description = group["description"]?.stringValue, let schema = group["schema"],
                case .array(let tests) = group["tests"]
            else { throw LoadError(description: "\(path) has a group without description, schema or tests") }
            var cases: [Case] = []
            for test in tests {
                guard let caseDescription = test["description"]?.stringValue, let data = test["data"],
                    let valid = test["valid"]?.boolValue
                else { throw LoadError(description: "\(path): a test of \"\(description)\" lacks description, data or valid") }
                cases.append(Case(description: caseDescription, data: data, valid: valid))
            }
            result.append(Group(description: description, schema: schema, cases: cases))
        }
        return result
    }

    /// Every file under `remotes/`, registered as `http://localhost:1234/<relative path>`, the
    /// address the refRemote tests use.
    static func remotes() throws -> SchemaRegistry {
        var registry = SchemaRegistry()
        let paths = try FileManager.default.subpathsOfDirectory(atPath: remotesFolder.path)
        for relative in paths.sorted() where relative.hasSuffix(".json") {
            let document = try parse(remotesFolder.appendingPathComponent(relative).path)
            registry.register(document, uri: "http://localhost:1234/" + relative)
        }
        for (uri, document) in metaSchemas() { registry.register(document, uri: uri) }
        return registry
    }

    /// The draft 2020-12 meta-schemas, which two required groups `$ref` (defs.json, ref.json),
    /// read from the Python package `jsonschema-specifications` that `make deps` installs with
    /// `jsonschema` (the schema contract tests' validator): an outside copy, so none is committed.
    static func metaSchemas() -> [(String, JSONValue)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import jsonschema_specifications, os; print(os.path.dirname(jsonschema_specifications.__file__))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !output.isEmpty else { return [] }
        let folder = URL(fileURLWithPath: output).appendingPathComponent("schemas/draft202012")
        var files = [folder.appendingPathComponent("metaschema.json")]
        let vocabularies = folder.appendingPathComponent("vocabularies")
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: vocabularies.path)) ?? []).sorted() {
            files.append(vocabularies.appendingPathComponent(name))
        }
        return files.compactMap { file in
            guard let document = try? parse(file.path), let id = document["$id"]?.stringValue else { return nil }
            return (id, document)
        }
    }

    /// Runs every case of `groups` except those `skip` returns a reason for.
    static func run(
        _ groups: [Group], registry: SchemaRegistry, skip: (Group) -> String?,
        report: (_ group: Group, _ testCase: Case, _ actual: Bool, _ errors: [ValidationError]) -> Void,
        schemaFailed: (_ group: Group, _ error: SchemaError) -> Void
    ) -> Tally {
        var tally = Tally()
        for group in groups {
            if skip(group) != nil {
                tally.skipped += group.cases.count
                continue
            }
            let schema: JSONSchema
            do {
                schema = try JSONSchema(group.schema, registry: registry)
            } catch {
                schemaFailed(group, error)
                tally.total += group.cases.count
                continue
            }
            for testCase in group.cases {
                let errors = schema.validate(testCase.data)
                let actual = schema.isValid(testCase.data)
                tally.total += 1
                if actual == testCase.valid && errors.isEmpty == actual { tally.passed += 1 }
                report(group, testCase, actual, errors)
            }
        }
        return tally
    }

    /// Pass, total and skipped counts of one file or directory.
    struct Tally {
        var passed = 0
        var total = 0
        var skipped = 0

        mutating func add(_ other: Tally) {
            passed += other.passed
            total += other.total
            skipped += other.skipped
        }

        var summary: String {
            "\(passed)/\(total) passed" + (skipped > 0 ? ", \(skipped) out of scope" : "")
        }
    }

    private static func parse(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(description: "cannot read \(path)") }
        return try JSONValue.parse(Array(data))
    }
}
