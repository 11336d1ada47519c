import BatonCore
import BatonExpressions
import BatonMessages
import Foundation
import Testing

/// Runs `Tests/Support/validate_json.py` (python3 + jsonschema) so the tests can check messages
/// against the schemas in `schemas/` exactly as a worker or consumer in another language would.
enum Contract {
    /// The repository root, found from this file's path: `<root>/Tests/BatonMessagesTests/ContractSupport.swift`.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let schemasFolder = root.appendingPathComponent("schemas")
    static let examplesFolder = schemasFolder.appendingPathComponent("examples")
    static let validatorScript = root.appendingPathComponent("Tests/Support/validate_json.py")

    /// `schemas/<name>.schema.json`.
    static func schemaPath(_ name: String) -> String {
        schemasFolder.appendingPathComponent("\(name).schema.json").path
    }

    /// The schema document itself, for tests that compare its enums with the Swift types.
    static func schema(_ name: String) throws -> JSONValue {
        try JSONValue.parse(try bytes(ofFile: schemaPath(name)))
    }

    static func examplePath(_ file: String) -> String {
        examplesFolder.appendingPathComponent(file).path
    }

    static func bytes(ofFile path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ContractError("cannot read \(path)") }
        return Array(data)
    }

    static func text(ofFile path: String) throws -> String {
        String(decoding: try bytes(ofFile: path), as: UTF8.self)
    }

    /// File names in `schemas/examples`, sorted.
    static var exampleFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: examplesFolder.path)) ?? []).sorted()
    }

    /// Example messages: `<schema>.<variant>.example.json` or `<schema>.example.json`.
    static var exampleMessages: [String] { exampleFiles.filter { $0.hasSuffix(".example.json") } }

    /// Example workflow definitions: the other JSON and YAML files (what `baton dev --examples` loads).
    static var exampleDefinitions: [String] {
        exampleFiles.filter {
            ($0.hasSuffix(".json") || $0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.contains(".example.")
        }
    }

    /// The schema an example message belongs to: the part of its name before the first dot.
    static func schemaName(ofExample file: String) -> String {
        String(file.prefix { $0 != "." })
    }

    /// Validates messages (each a JSON document without raw newlines, as on the wire), one report per message, in order.
    static func validate(values: [[UInt8]], against schema: String) throws -> [ValidationReport] {
        for (index, value) in values.enumerated() where value.contains(UInt8(ascii: "\n")) {
            throw ContractError("message \(index) contains a newline: the validator reads one document per line")
        }
        var input: [UInt8] = []
        for value in values { input += value + [UInt8(ascii: "\n")] }
        let reports = try run(arguments: [schemaPath(schema), "-"], stdin: input)
        guard reports.count == values.count else {
            throw ContractError("the validator reported on \(reports.count) of \(values.count) messages")
        }
        return reports
    }

    static func validate(_ values: [JSONValue], against schema: String) throws -> [ValidationReport] {
        try validate(values: values.map { $0.serializedBytes() }, against: schema)
    }

    /// Validates files as they are (pretty-printed JSON, or YAML when PyYAML is installed).
    static func validate(files: [String], against schema: String) throws -> [ValidationReport] {
        try run(arguments: [schemaPath(schema)] + files, stdin: nil)
    }

    private static func run(arguments: [String], stdin: [UInt8]?) throws -> [ValidationReport] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", validatorScript.path, "--json"] + arguments
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw ContractError.validatorUnavailable("cannot start python3 (\(error))")
        }
        // The validator reads all of stdin before it writes, so writing first cannot deadlock.
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try? input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0, 1:
            break
        case 3, 127:
            throw ContractError.validatorUnavailable(err.isEmpty ? "python3 is not installed" : err)
        default:
            throw ContractError("validate_json.py exited with status \(process.terminationStatus): \(err)")
        }
        var reports: [ValidationReport] = []
        for line in String(decoding: out, as: UTF8.self).split(separator: "\n") where !line.isEmpty {
            let json = try JSONValue.parse(String(line))
            let violations = (json["errors"]?.arrayValue ?? []).map {
                SchemaViolation(
                    pointer: $0["pointer"]?.stringValue ?? "", field: $0["field"]?.stringValue ?? "",
                    keyword: $0["keyword"]?.stringValue ?? "", message: $0["message"]?.stringValue ?? ""
                )
            }
            reports.append(ValidationReport(document: json["document"]?.stringValue ?? "?", violations: violations))
        }
        return reports
    }
}

/// One schema violation as the validator reports it.
struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// Where jsonschema reports it (for a missing property: the parent object).
    var pointer: String
    /// The offending field itself (for a missing property: where it should be).
    var field: String
    var keyword: String
    var message: String

    var description: String { "\(field.isEmpty ? "/" : field): \(message) [\(keyword)]" }
}

struct ValidationReport: Sendable, Hashable, CustomStringConvertible {
    var document: String
    var violations: [SchemaViolation]

    var isValid: Bool { violations.isEmpty }
    /// The offending fields, for exact assertions.
    var fields: Set<String> { Set(violations.map(\.field)) }

    var description: String {
        isValid ? "\(document): valid" : "\(document): " + violations.map(\.description).joined(separator: "; ")
    }
}

struct ContractError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    static func validatorUnavailable(_ detail: String) -> ContractError {
        ContractError("""
            The contract tests validate messages with python3 and the Python package jsonschema: \
            pip install jsonschema (make test installs it). \(detail.trimmingCharacters(in: .whitespacesAndNewlines))
            """)
    }
}

/// Fixed times, so every expected document is exact.
enum Times {
    static let t0 = Timestamp(iso8601: "2026-11-27T21:15:51.120Z")!
    static func at(_ milliseconds: Int64) -> Timestamp { t0.adding(milliseconds: milliseconds) }
}

extension MessageError {
    /// Decodes bytes with `body` and returns the error it threw, or nil when it did not throw.
    static func thrown<T>(by body: () throws -> T) -> MessageError? {
        do {
            _ = try body()
            return nil
        } catch let error as MessageError {
            return error
        } catch {
            Issue.record("expected a MessageError, got \(error)")
            return nil
        }
    }
}

/// Drives the real engine through a definition, answering every task request with `worker`, and
/// collects everything the run publishes: what the contract tests validate and the example tests check.
struct EngineRun {
    var instance: WorkflowInstance
    var dispatches: [TaskDispatch] = []
    var lifecycle: [LifecycleEvent] = []
    var cancellations: [TaskCancellation] = []

    /// Runs until the instance waits for nothing (no active task) or `worker` returns nil.
    init(
        _ definition: WorkflowDefinition, input: JSONValue, instanceId: String = "inst-1", stepMilliseconds: Int64 = 250,
        cancelAfterTasks: Int? = nil, worker: (TaskDispatch) -> TaskResult?
    ) {
        let engine = Engine()
        var now = Times.t0
        var transition = engine.start(StartWorkflow(instanceId: instanceId, input: input, origin: "test"), definition: definition, now: now)
        instance = transition.instance
        var pending = record(transition.effects)
        while !pending.isEmpty {
            if let limit = cancelAfterTasks, dispatches.count >= limit {
                now = now.adding(milliseconds: stepMilliseconds)
                transition = engine.handle(.cancel(reason: "customer withdrew the order", by: "test"), instance: instance, definition: definition, now: now)
                instance = transition.instance
                _ = record(transition.effects)
                return
            }
            let task = pending.removeFirst()
            guard let result = worker(task) else { continue }
            now = now.adding(milliseconds: stepMilliseconds)
            transition = engine.handle(.taskResult(result), instance: instance, definition: definition, now: now)
            instance = transition.instance
            pending += record(transition.effects)
        }
    }

    private mutating func record(_ effects: [Effect]) -> [TaskDispatch] {
        var new: [TaskDispatch] = []
        for effect in effects {
            switch effect {
            case .dispatchTask(let task):
                dispatches.append(task)
                new.append(task)
            case .emitLifecycle(let event):
                lifecycle.append(event)
            case .cancelTask(let cancellation):
                cancellations.append(cancellation)
            case .startChild, .cancelChild, .reportToParent:
                break
            }
        }
        return new
    }
}

/// The example worker's answers (`ExampleWorker.exampleBehaviour` in BatonServer, which this target
/// does not import): what `make run` answers the example definitions with.
func exampleWorker(_ task: TaskDispatch) -> TaskResult? {
    let output: JSONValue
    switch task.taskType {
    case "greeting.compose":
        output = ["message": .string("Hello, \(task.input["name"]?.stringValue ?? "world")!")]
    case "inventory.reserve":
        output = ["available": .bool((task.input["quantity"]?.doubleValue ?? 1) <= 10), "reservationId": .string("res-\(task.taskId)")]
    case "payment.charge":
        output = ["receipt": .string("rcpt-\(task.taskId)"), "amount": task.input["amount"] ?? .null]
    default:
        output = ["echo": task.input]
    }
    return TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: output, workerId: "example-worker")
}
