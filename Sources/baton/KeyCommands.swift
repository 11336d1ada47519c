import ArgumentParser
import BatonServer
import BatonStore
import Foundation

/// `baton keys create | list | revoke`: API keys on the store itself (see `APIKeyCommands`).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys on the store (a SQLite store: with Baton stopped).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct StoreOption: ParsableArguments {
        @Option(help: "The store: a SQLite file (sqlite:FILE) or postgres://user:password@host:port/database (env BATON_STORE).")
        var store: String = ProcessEnvironment.value("BATON_STORE") ?? "baton.sqlite"

        func commands() throws -> APIKeyCommands {
            do {
                return APIKeyCommands(location: try StoreLocation(store))
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print its token, this once.",
            discussion: "Grants are a role, optionally over a workflow id or prefix: admin, operator@orders, viewer@payments.*"
        )

        @OptionGroup var store: StoreOption
        @Option(help: "A name unique among keys not revoked.") var name: String
        @Option(help: "A role and its scope (repeatable).") var grant: [String] = []
        @Option(name: .customLong("expires-in"), help: "Expire after this long (90d, 12h); default: never.") var expiresIn: String?

        func run() async throws {
            print(try await store.commands().create(name: name, grants: grant, expiresIn: expiresIn, by: "cli:\(ProcessInfo.processInfo.userName)"))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every key (never the tokens: the store does not have them).")
        @OptionGroup var store: StoreOption

        func run() async throws {
            print(try await store.commands().list())
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it authenticates nothing from now on.")
        @OptionGroup var store: StoreOption
        @Argument(help: "The key's id (the part after baton_ in its token; baton keys list shows it).") var id: String

        func run() async throws {
            print(try await store.commands().revoke(id: id, by: "cli:\(ProcessInfo.processInfo.userName)"))
        }
    }
}
