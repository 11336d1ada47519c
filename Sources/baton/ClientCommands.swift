import ArgumentParser
import BatonAPI
import BatonCore
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
        let response = try await APIClient(options).send("POST", "/v1/definitions", body: data, contentType: type)
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
        try APIClient.printAndCheck(try await APIClient(options).send("POST", path, body: body, headers: headers))
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
        let response = try await APIClient(options).send("GET", "/v1/instances/\(instance)")
        guard !json, (200..<300).contains(response.status), let view = try? JSONValue.parse(Array(response.body)) else {
            try APIClient.printAndCheck(response)
            return
        }
        print(InstanceTree.render(view))
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show an instance's history as a timeline; --json for the events.")

    @OptionGroup var options: APIOptions
    @Argument(help: "Instance id.")
    var instance: String
    @Flag(help: "Print the events as JSON instead of the timeline.")
    var json = false

    func run() async throws {
        // Every page: a long history is read to its end, 1,000 events a request.
        let client = APIClient(options)
        var events: [JSONValue] = []
        var after = 0
        while true {
            let response = try await client.send("GET", "/v1/instances/\(instance)/history?limit=1000&after=\(after)")
            guard (200..<300).contains(response.status), let page = try? JSONValue.parse(Array(response.body)) else {
                try APIClient.printAndCheck(response)
                return
            }
            events += page["items"]?.arrayValue ?? []
            guard let next = page["nextAfter"]?.intValue else { break }
            after = next
        }
        if json {
            try APIClient.printAndCheck(APIClient.Response(status: 200, body: Data(JSONValue.object(["items": .array(events)]).serialized().utf8)))
        } else {
            print(HistoryTimeline.render(events))
        }
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List instances, newest first, with filters; --json for the page.")

    @OptionGroup var options: APIOptions
    @Option(help: ArgumentHelp("Only this status: \(InstanceStatus.allCases.map(\.rawValue).joined(separator: ", "))."))
    var status: String?
    @Option(help: "Only instances of this workflow id.")
    var workflow: String?
    @Option(help: "Only children of this instance.")
    var parent: String?
    @Option(help: "Page size (1–1000).")
    var limit: Int = 50
    @Option(help: "Continue from a previous page's cursor.")
    var cursor: String?
    @Flag(help: "Print the page as JSON instead of the table.")
    var json = false

    func run() async throws {
        var query = ["limit=\(limit)"]
        if let status { query.append("status=\(status.percentEncoded)") }
        if let workflow { query.append("workflowId=\(workflow.percentEncoded)") }
        if let parent { query.append("parentId=\(parent.percentEncoded)") }
        if let cursor { query.append("cursor=\(cursor.percentEncoded)") }
        let response = try await APIClient(options).send("GET", "/v1/instances?" + query.joined(separator: "&"))
        guard !json, (200..<300).contains(response.status), let page = try? JSONValue.parse(Array(response.body)) else {
            try APIClient.printAndCheck(response)
            return
        }
        print(InstanceList.render(page))
    }
}

struct DefinitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "definitions", abstract: "List registered workflow definitions; --json for the list.")

    @OptionGroup var options: APIOptions
    @Flag(help: "Print the list as JSON instead of the table.")
    var json = false

    func run() async throws {
        let response = try await APIClient(options).send("GET", "/v1/definitions")
        guard !json, (200..<300).contains(response.status), let list = try? JSONValue.parse(Array(response.body)) else {
            try APIClient.printAndCheck(response)
            return
        }
        print(DefinitionList.render(list))
    }
}

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Show an instance's execution tree, refreshed until it ends (Ctrl-C to stop watching).")

    @OptionGroup var options: APIOptions
    @Argument(help: "Instance id.")
    var instance: String
    @Option(help: "Seconds between refreshes.")
    var interval: Double = 1

    func validate() throws {
        guard interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 seconds") }
    }

    func run() async throws {
        let client = APIClient(options)
        while true {
            let response = try await client.send("GET", "/v1/instances/\(instance)")
            guard (200..<300).contains(response.status), let view = try? JSONValue.parse(Array(response.body)) else {
                try APIClient.printAndCheck(response)
                return
            }
            // Home and clear, then the tree: the terminal shows one current picture.
            print("\u{1B}[H\u{1B}[2J" + InstanceTree.render(view))
            let status = view["status"]?.stringValue ?? ""
            guard status == "RUNNING" || status == "PAUSED" else { return }
            print("\nrefreshing every \(interval) s; Ctrl-C stops watching (the instance goes on)")
            try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        }
    }
}

extension String {
    /// For a query parameter's value.
    var percentEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? self
    }
}
