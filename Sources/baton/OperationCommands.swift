import ArgumentParser
import Foundation

/// Who and why, recorded in the instance history with every operation.
struct OperatorOptions: ParsableArguments {
    @Option(help: "Why (recorded in the instance history).")
    var reason: String?

    @Option(name: .customLong("by"), help: "Who asks, recorded in the instance history only where the API runs without authentication (there, the key is). Default: $USER.")
    var actor: String?

    var headers: [String: String] {
        ["X-Baton-Actor": actor ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"]
    }

    func body(_ extra: [String: Any] = [:]) throws -> Data {
        var object = extra
        if let reason { object["reason"] = reason }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}

/// `baton cancel|pause|resume|retry <instance>`: a POST with who and why.
protocol SimpleOperation: AsyncParsableCommand {
    static var path: String { get }
    var options: APIOptions { get }
    var who: OperatorOptions { get }
    var instance: String { get }
}

extension SimpleOperation {
    func run() async throws {
        let response = try await APIClient(options).send("POST", "/v1/instances/\(instance)/\(Self.path)", body: try who.body(), headers: who.headers)
        try APIClient.printAndCheck(response)
    }
}

struct CancelCommand: SimpleOperation {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel an instance (its running tasks get cancellation messages).")
    static let path = "cancel"
    @OptionGroup var options: APIOptions
    @OptionGroup var who: OperatorOptions
    @Argument(help: "Instance id.") var instance: String
}

struct PauseCommand: SimpleOperation {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a running instance: no new step starts until it is resumed.")
    static let path = "pause"
    @OptionGroup var options: APIOptions
    @OptionGroup var who: OperatorOptions
    @Argument(help: "Instance id.") var instance: String
}

struct ResumeCommand: SimpleOperation {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused instance; what arrived meanwhile is applied.")
    static let path = "resume"
    @OptionGroup var options: APIOptions
    @OptionGroup var who: OperatorOptions
    @Argument(help: "Instance id.") var instance: String
}

struct RetryCommand: SimpleOperation {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "Retry a FAILED or TIMED_OUT instance from the step that failed.")
    static let path = "retry"
    @OptionGroup var options: APIOptions
    @OptionGroup var who: OperatorOptions
    @Argument(help: "Instance id.") var instance: String
}

struct RerunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rerun", abstract: "Rerun an instance from a step, optionally with a new input.")
    @OptionGroup var options: APIOptions
    @OptionGroup var who: OperatorOptions
    @Argument(help: "Instance id.") var instance: String
    @Option(name: .customLong("from-step"), help: "The step to run from.") var fromStep: String
    @Option(help: "A new workflow input, as JSON text.") var input: String?

    func run() async throws {
        var extra: [String: Any] = ["fromStep": fromStep]
        if let input {
            guard let data = input.data(using: .utf8), let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                throw ValidationError("--input is not valid JSON")
            }
            extra["input"] = value
        }
        let response = try await APIClient(options).send("POST", "/v1/instances/\(instance)/rerun", body: try who.body(extra), headers: who.headers)
        try APIClient.printAndCheck(response)
    }
}

struct SignalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal", abstract: "Send a signal to an instance: its step waiting for NAME takes it, or the instance keeps it for one to come.")
    @OptionGroup var options: APIOptions
    @OptionGroup var who: OperatorOptions
    @Argument(help: "Instance id.") var instance: String
    @Argument(help: "Signal name (a waitForEvent step's `event`).") var name: String
    @Option(help: "The signal's data, as JSON text (default: null).") var data: String?

    func run() async throws {
        var body: Data?
        if let data {
            guard let bytes = data.data(using: .utf8), (try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])) != nil else {
                throw ValidationError("--data is not valid JSON")
            }
            body = bytes
        }
        let path = "/v1/instances/\(PathSegment.encode(instance))/signals/\(PathSegment.encode(name))"
        let response = try await APIClient(options).send("POST", path, body: body, headers: who.headers)
        try APIClient.printAndCheck(response)
    }
}

/// Percent-encodes one path segment (ids and names may hold `/`, `?`, `#`, spaces).
enum PathSegment {
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
