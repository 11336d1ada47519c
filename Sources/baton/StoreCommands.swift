import ArgumentParser
import BatonServer
import BatonStore
import Foundation

/// `baton store copy`: tools that work on a store directly, with every Baton process stopped.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Work on a store directly (stop every Baton process using it first).",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy a whole store into a new, empty one and compare the row counts: the upgrade path from SQLite to PostgreSQL.",
            discussion: """
                Definitions (every version, same numbers), instances with their history, timers and event waits, \
                dedupe marks, kept events, the unpublished and the parked outbox, and dead letters (same ids) are copied. \
                Both stores are opened for exclusive use. Exits non-zero when any table's count differs.
                """
        )

        @Option(help: "The store to read: sqlite:FILE or postgres://user:password@host:port/database.") var from: String
        @Option(help: "The new, empty store to write: postgres://… or sqlite:FILE.") var to: String

        func run() async throws {
            let source: StoreLocation
            let target: StoreLocation
            do {
                source = try StoreLocation(from)
                target = try StoreLocation(to)
            } catch {
                throw ValidationError(error.message)
            }
            print("copying \(source) to \(target)")
            let report: StoreCopy.Report
            do {
                report = try await StoreCopy().copy(from: source, to: target) { print("  \($0)") }
            } catch {
                throw StoreCopyFailure(message: error.message)
            }
            func row(_ cells: String...) -> String {
                cells[0].padding(toLength: 18, withPad: " ", startingAt: 0) + cells.dropFirst().map { String(repeating: " ", count: max(1, 12 - $0.count)) + $0 }.joined()
            }
            print(row("table", "source", "target"))
            for (from, to) in zip(report.source.tables, report.target.tables) {
                print(row(from.name, String(from.count), String(to.count)) + (from.count == to.count ? "" : "  MISMATCH"))
            }
            guard report.mismatches.isEmpty else {
                throw StoreCopyFailure(message: "the copy is incomplete: " + report.mismatches.joined(separator: "; "))
            }
            print("every table matches")
        }
    }
}

struct StoreCopyFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
