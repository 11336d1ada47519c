import ArgumentParser
import BatonAPI
import BatonExpressions
import Foundation

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply", abstract: "Register a definition file (a new version when the id exists).")

    @OptionGroup var options: APIOptions
    @Argument(help: "Definition file (JSON or YAML).")
    var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read '\(file)'") }
        let type = file.hasSuffix(".json") ? "application/json" : "application/yaml"
        let response = try await APIClient(base: options.api).send("POST", "/v1/definitions", body: data, contentType: type)
        try APIClient.printAndCheck(response)
    }
}

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start an instance of a workflow.")

    @OptionGroup var options: APIOptions
    @Argument(help: "Workflow (definition) id.")
    var workflow: String
    @Option(help: "Input as JSON text.")
    var input: String = "{}"
    @Option(name: .customLong("input-file"), help: "Read the input from a JSON file.")
    var inputFile: String?
    @Option(name: .customLong("idempotency-key"), help: "Retries with the same key return the same instance.")
    var idempotencyKey: String?
    @Option(help: "Definition version (default: latest).")
    var version: Int?

    func run() async throws {
        var body = Data(input.utf8)
        if let inputFile {
            guard let data = FileManager.default.contents(atPath: inputFile) else { throw ValidationError("cannot read '\(inputFile)'") }
            body = data
        }
        var path = "/v1/workflows/\(workflow)/instances"
        if let version { path += "?version=\(version)" }
        var headers: [String: String] = [:]
        if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        try APIClient.printAndCheck(try await APIClient(base: options.api).send("POST", path, body: body, headers: headers))
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Show an instance as a tree of its executions (branches, foreach items and their counts); --json for the whole view.")

    @OptionGroup var options: APIOptions
    @Argument(help: "Instance id.")
    var instance: String
    @Flag(help: "Print the instance view as JSON (state, current steps, executions) instead of the tree.")
    var json = false

    func run() async throws {
        let response = try await APIClient(base: options.api).send("GET", "/v1/instances/\(instance)")
        guard !json, (200..<300).contains(response.status), let view = try? JSONValue.parse(Array(response.body)) else {
            try APIClient.printAndCheck(response)
            return
        }
        print(InstanceTree.render(view))
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show an instance's history.")

    @OptionGroup var options: APIOptions
    @Argument(help: "Instance id.")
    var instance: String

    func run() async throws {
        try APIClient.printAndCheck(try await APIClient(base: options.api).send("GET", "/v1/instances/\(instance)/history?limit=1000"))
    }
}
