import ArgumentParser
import Foundation

/// `baton dlq list|redrive`: the inputs Baton could not process, and re-injecting them.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "List and redrive dead letters (inputs Baton could not process).",
        subcommands: [List.self, Redrive.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List dead letters, oldest first.")
        @OptionGroup var options: APIOptions
        @Option(help: "Only this reason, e.g. UNKNOWN_WORKFLOW.") var reason: String?
        @Option(help: "Only from this source topic.") var topic: String?
        @Option(help: "pending (default), redriven or all.") var state: String = "pending"
        @Option(help: "Page size, 1–1000.") var limit: Int = 100
        @Option(help: "Only ids greater than this (the previous page's nextAfter).") var after: Int = 0

        func run() async throws {
            var items = [URLQueryItem(name: "state", value: state), URLQueryItem(name: "limit", value: String(limit)), URLQueryItem(name: "after", value: String(after))]
            if let reason { items.append(URLQueryItem(name: "reason", value: reason)) }
            if let topic { items.append(URLQueryItem(name: "topic", value: topic)) }
            var components = URLComponents()
            components.queryItems = items
            try APIClient.printAndCheck(try await APIClient(options).send("GET", "/v1/dead-letters?" + (components.percentEncodedQuery ?? "")))
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "redrive", abstract: "Re-inject dead letters into their source topics: by id, or every pending one matching --reason/--topic.")
        @OptionGroup var options: APIOptions
        @Argument(help: "Dead-letter ids (none: every pending one matching the filter).") var ids: [Int] = []
        @Option(help: "Only this reason.") var reason: String?
        @Option(help: "Only from this source topic.") var topic: String?
        @Option(name: .customLong("by"), help: "Who redrives (header baton-redriven-by). Default: $USER.") var actor: String?

        func run() async throws {
            var body: [String: Any] = [:]
            if !ids.isEmpty { body["ids"] = ids }
            if let reason { body["reason"] = reason }
            if let topic { body["topic"] = topic }
            guard !ids.isEmpty || reason != nil || topic != nil else {
                throw ValidationError("name dead-letter ids, or a --reason or --topic to redrive every pending one that matches")
            }
            let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            let headers = ["X-Baton-Actor": actor ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"]
            try APIClient.printAndCheck(try await APIClient(options).send("POST", "/v1/dead-letters/redrive", body: data, headers: headers))
        }
    }
}
