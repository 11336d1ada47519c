import ArgumentParser
import BatonCore
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check workflow definition files (JSON or YAML) without registering them."
    )

    @Argument(help: "Definition files.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                print("\(file): cannot read the file (or it is not UTF-8)")
                failed = true
                continue
            }
            do {
                let definition = try DefinitionCompiler.compile(text: text)
                print("\(file): ok — '\(definition.id)', \(definition.steps.count) steps, \(definition.triggers.count) triggers")
            } catch {
                failed = true
                print("\(file): \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s")")
                for issue in error.issues { print("  - \(issue)") }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
