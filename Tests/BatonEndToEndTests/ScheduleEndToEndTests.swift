import BatonExpressions
import Foundation
import Testing

extension EndToEnd {
    /// Two `baton serve` processes on one PostgreSQL both run the scheduler: a per-second schedule
    /// created through one of them starts exactly one instance per fire time between them — no
    /// fire time twice, none skipped after the first — then stops when paused.
    @Suite("Schedules across processes", .serialized, .timeLimit(.minutes(3)))
    struct ScheduleEndToEndTests {
        static let definition = """
            id: tick
            steps:
              - {id: done, type: succeed, output: "${ $.input }"}
            """

        @Test func aPerSecondScheduleStartsOneInstancePerFireTimeAcrossTwoProcesses() async throws {
            let cluster = try await PostgresServeCluster(name: "schedules", processes: 2, partitions: 2, taskType: "tick.none")
            #expect(try await http("POST", port: cluster.ports[0], "/v1/definitions", body: Self.definition, contentType: "application/yaml").status == 201)
            // Both processes must know the definition before either starts a run of it.
            for port in cluster.ports {
                let deadline = ContinuousClock.now + .seconds(10)
                while try await http("GET", port: port, "/v1/definitions/tick").status != 200, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            let document = #"{"id": "every-second", "workflowId": "tick", "every": "1s", "overlap": "allow", "input": {"at": "${ $.schedule.fireTime }"}}"#
            let created = try await http("POST", port: cluster.ports[1], "/v1/schedules", body: document)
            #expect(created.status == 201, "\(created.json)")
            try await Task.sleep(for: .seconds(8))
            let paused = try await http("POST", port: cluster.ports[0], "/v1/schedules/every-second/pause", body: "{}")
            #expect(paused.status == 200)
            try await Task.sleep(for: .seconds(2))

            var fireTimes: [String] = []
            var cursor: String?
            repeat {
                let page = try await http("GET", port: cluster.ports[0], "/v1/instances?workflowId=tick&limit=1000" + (cursor.map { "&cursor=\($0)" } ?? ""))
                fireTimes += (page.json["items"]?.arrayValue ?? []).compactMap { $0["input"]?["at"]?.stringValue }
                cursor = page.json["nextCursor"]?.stringValue
            } while cursor != nil
            let seconds = fireTimes.compactMap { Self.epochSecond($0) }.sorted()
            let distinct = Set(seconds)
            let gaps = zip(seconds, seconds.dropFirst()).filter { $1 - $0 > 1 }.count
            print("schedules across processes: \(seconds.count) instances for \(distinct.count) fire times, \(gaps) gaps, first \(fireTimes.min() ?? "-") last \(fireTimes.max() ?? "-")")
            #expect(seconds.count >= 6, "a per-second schedule over ~8 s")
            #expect(seconds.count == distinct.count, "a fire time started more than one instance")
            #expect(gaps == 0, "fire times skipped: \(seconds)")
            // Paused: nothing more starts.
            let count = seconds.count
            try await Task.sleep(for: .seconds(2))
            let later = try await http("GET", port: cluster.ports[1], "/v1/instances?workflowId=tick&limit=1000")
            #expect((later.json["items"]?.arrayValue ?? []).count == count)
            _ = await cluster.stopAll()
            cluster.passed()
        }

        static func epochSecond(_ text: String) -> Int64? {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
        }
    }
}
