import ArgumentParser
import BatonAPI
import BatonExpressions
import BatonServer
import BatonStore
import Foundation

/// `baton audit list` (through the API) and `baton audit verify` (on the store itself).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read the audit log and check its hash chain.", subcommands: [List.self, Verify.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Audit records, oldest first (needs audit.read: an admin key).")
        @OptionGroup var options: APIOptions
        @Option(help: "Only this actor (key:NAME, jwt:SUBJECT, cli:USER).") var actor: String?
        @Option(help: "Only this action (instance.cancel, definition.register, key.create, …).") var action: String?
        @Option(help: "Only targets starting with this (/v1/instances/ID).") var target: String?
        @Option(help: "From this time (RFC 3339).") var from: String?
        @Option(help: "Before this time (RFC 3339).") var until: String?
        @Option(help: "After this sequence (the previous page's nextAfter).") var after: Int?
        @Option(help: "At most this many (1–1000).") var limit: Int = 100
        @Flag(help: "Print the API's JSON instead of a table.") var json = false

        func run() async throws {
            var components = URLComponents()
            components.queryItems = [("actor", actor), ("action", action), ("target", target), ("from", from), ("until", until), ("after", after.map(String.init)), ("limit", String(limit))]
                .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
            let response = try await APIClient(options).send("GET", "/v1/audit?" + (components.percentEncodedQuery ?? ""))
            guard !json, (200..<300).contains(response.status), let page = try? JSONValue.parse(Array(response.body)) else {
                return try APIClient.printAndCheck(response)
            }
            print(AuditList.render(page))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the store's audit chain and name the first broken link (exit 1 when there is one).")
        @Option(help: "The store: a SQLite file (sqlite:FILE) or postgres://… (env BATON_STORE).")
        var store: String = ProcessEnvironment.value("BATON_STORE") ?? "baton.sqlite"

        func run() async throws {
            let commands: APIKeyCommands
            do {
                commands = APIKeyCommands(location: try StoreLocation(store))
            } catch {
                throw ValidationError(error.message)
            }
            let (intact, report) = try await commands.verifyAudit()
            print(report)
            if !intact { throw ExitCode(1) }
        }
    }
}
