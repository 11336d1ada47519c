import BatonCore
import BatonExpressions
import BatonMessages
import Foundation
import Testing

extension EndToEnd {
    /// The issue's acceptance checks, done the way a user would: with kcat against the broker Baton
    /// prints. Skipped (with a message) where kcat is not installed; `make test` installs it.
    @Suite("kcat acceptance", .serialized, .timeLimit(.minutes(2)))
    struct KcatAcceptanceTests {
        static let kcat = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first { FileManager.default.isExecutableFile(atPath: $0) }

        @Test(.enabled(if: kcat != nil, "kcat is not installed (apt-get install kcat)"))
        func resultsProducedWithKcatCompleteTasksAndLifecycleEventsValidate() async throws {
            try await withHarness(worker: nil) { h in
                let bootstrap = h.broker.bootstrapServers
                let listing = try run(Self.kcat!, ["-b", bootstrap, "-L"])
                for topic in h.topics.fixed { #expect(listing.contains("topic \"\(topic)\""), "kcat -L lists \(topic)") }

                let started = try await h.http("POST", "/v1/workflows/greet/instances", body: #"{"name":"Kay"}"#)
                let id = try #require(started.json["id"]?.stringValue)
                for (taskType, output) in [("greeting.compose", #"{"message":"Hi, Kay"}"#), ("text.upper", #"{"echo":{"text":"HI, KAY"}}"#)] {
                    // Committed is not yet published: read until the relay's request is on the topic.
                    var line = ""
                    for _ in 0..<50 where line.isEmpty {
                        line = try run(Self.kcat!, ["-C", "-b", bootstrap, "-t", h.topics.tasks(taskType), "-o", "beginning", "-c", "1", "-e", "-q"])
                        if line.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    let task = try TaskRequestCodec.decode(Array(line.utf8))
                    let result = #"{"taskId":"\#(task.taskId)","instanceId":"\#(id)","stepId":"\#(task.stepId)","attempt":\#(task.attempt),"status":"completed","output":\#(output)}"#
                    _ = try run(Self.kcat!, ["-P", "-b", bootstrap, "-t", h.topics.taskResults, "-k", id], input: result + "\n")
                    if taskType == "greeting.compose" {
                        try await h.waitUntil("the second task") { try await h.service.instance(id: id).root.steps["shout"] != nil }
                    }
                }
                let done = try await h.waitForEnd(id)
                #expect(done.status == .completed)
                #expect(done.output == ["message": "HI, KAY"])

                let events = try run(Self.kcat!, ["-C", "-b", bootstrap, "-t", h.topics.lifecycle, "-o", "beginning", "-e", "-q"])
                    .split(separator: "\n").map { Array($0.utf8) }
                #expect(events.count == 6)
                try validateAgainstSchema("lifecycle-event.schema.json", values: events)
            }
        }

        private func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let output = Pipe()
            let stdin = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            process.standardInput = stdin
            try process.run()
            if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
            try stdin.fileHandleForWriting.close()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw HarnessError("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)") }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
