import ArgumentParser
import BatonAPI
import BatonCore
import BatonExpressions
import Foundation

/// `baton schedule create|list|get|pause|resume|trigger|delete`.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Create and operate schedules that start workflows.",
        subcommands: [Create.self, List.self, Get.self, Pause.self, Resume.self, Trigger.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a schedule from a JSON or YAML file: id, workflowId, cron (+ timezone) or every, overlap, catchupWindow, input …")
        @OptionGroup var options: APIOptions
        @Argument(help: "Schedule document file.") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read '\(file)'") }
            // YAML is read here (the API takes JSON), with the definitions' parser.
            let document: JSONValue
            do {
                document = try DefinitionDocument.parse(String(decoding: data, as: UTF8.self))
            } catch {
                throw ValidationError("\(file): \(error)")
            }
            try APIClient.printAndCheck(try await APIClient(options).send("POST", "/v1/schedules", body: Data(document.serialized().utf8)))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List schedules with their next fire time; --json for the list.")
        @OptionGroup var options: APIOptions
        @Option(help: "Only schedules of this workflow.") var workflow: String?
        @Flag(help: "Print the list as JSON instead of the table.") var json = false

        func run() async throws {
            let path = "/v1/schedules" + (workflow.map { "?workflowId=\($0.percentEncoded)" } ?? "")
            let response = try await APIClient(options).send("GET", path)
            guard !json, (200..<300).contains(response.status), let list = try? JSONValue.parse(Array(response.body)) else {
                try APIClient.printAndCheck(response)
                return
            }
            print(ScheduleList.render(list))
        }
    }

    struct Get: ScheduleRequest {
        static let configuration = CommandConfiguration(abstract: "Show a schedule with its next fire times (JSON).")
        static let method = "GET"
        static let action = ""
        @OptionGroup var options: APIOptions
        @Argument(help: "Schedule id.") var id: String
    }

    struct Pause: ScheduleRequest {
        static let configuration = CommandConfiguration(abstract: "Pause a schedule (fire times that pass are not run later).")
        static let action = "/pause"
        @OptionGroup var options: APIOptions
        @Argument(help: "Schedule id.") var id: String
    }

    struct Resume: ScheduleRequest {
        static let configuration = CommandConfiguration(abstract: "Resume a schedule from its next fire time.")
        static let action = "/resume"
        @OptionGroup var options: APIOptions
        @Argument(help: "Schedule id.") var id: String
    }

    struct Trigger: ScheduleRequest {
        static let configuration = CommandConfiguration(abstract: "Start a run now, under the schedule's overlap policy.")
        static let action = "/trigger"
        @OptionGroup var options: APIOptions
        @Argument(help: "Schedule id.") var id: String
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a schedule; the instances it started run on.")
        @OptionGroup var options: APIOptions
        @Argument(help: "Schedule id.") var id: String

        func run() async throws {
            let response = try await APIClient(options).send("DELETE", "/v1/schedules/\(id.percentEncoded)")
            if response.status == 204 { print("deleted schedule '\(id)'") } else { try APIClient.printAndCheck(response) }
        }
    }
}

/// `baton schedule get|pause|resume|trigger ID`: one request on the schedule, its answer printed.
protocol ScheduleRequest: AsyncParsableCommand {
    static var method: String { get }
    /// Appended to `/v1/schedules/{id}`.
    static var action: String { get }
    var options: APIOptions { get }
    var id: String { get }
}

extension ScheduleRequest {
    static var method: String { "POST" }

    func run() async throws {
        try APIClient.printAndCheck(try await APIClient(options).send(Self.method, "/v1/schedules/\(id.percentEncoded)\(Self.action)"))
    }
}
