import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import BatonStore
import BatonStoreSQLite
import Foundation
import Logging
import Testing

extension EndToEnd {
    /// kill -9 of `baton serve` twice, then one death at each failpoint (inside the batch
    /// transaction, after the store commit, after the outbox commit, after publishing), while a
    /// 2,000-item foreach and twenty `join: any` parallel steps run: afterwards every item
    /// completed once, in order, no item was started twice, no result was applied twice, and
    /// every join took exactly one winner.
    @Suite("Crash recovery: foreach and parallel", .serialized, .timeLimit(.minutes(5)))
    struct ControlFlowCrashTests {
        /// Each life completes one or two result batches (100–250 items) before it dies, so six
        /// lives took 976 of 1,000 items on CI once and the fan-out nearly outran the last failpoint;
        /// 2,000 leaves the last death far from the end on any machine.
        static let items = 2000
        static let races = 20

        static let foreach = """
            id: crash-foreach
            steps:
              - id: each
                type: foreach
                items: "${ $.input.items }"
                maxConcurrency: 100
                steps:
                  - {id: work, type: task, taskType: crash.work, input: {item: "${ $.item }", index: "${ $.index }"}}
            """
        static let race = """
            id: crash-race
            steps:
              - id: race
                type: parallel
                join: any
                branches:
                  - {name: left, steps: [{id: l, type: task, taskType: crash.work, input: {side: left}}]}
                  - {name: right, steps: [{id: r, type: task, taskType: crash.work, input: {side: right}}]}
            """
        /// A parent whose child is a race: the child's end must reach the parent across crashes.
        static let parent = """
            id: crash-parent
            steps:
              - {id: child, type: subworkflow, workflow: crash-race, next: after}
              - {id: after, type: task, taskType: crash.work, input: {child: "${ $.steps.child.output }"}}
            """

        @Test func killingTheOrchestratorMidFanOutLosesNothingAndRepeatsNothing() async throws {
            let cluster = try await ServeCluster(name: "crash-flow", partitions: 4, taskType: "crash.work")
            let port = cluster.port
            let bootstrap = cluster.bootstrap
            for text in [Self.foreach, Self.race, Self.parent] {
                #expect(try await http("POST", port: port, "/v1/definitions", body: text, contentType: "application/yaml").status == 201)
            }

            var logger = Logger(label: "crash-flow-test")
            logger.logLevel = .error
            let kafka = KafkaConfiguration(bootstrapServers: bootstrap, properties: ["fetch.wait.max.ms": "5", "session.timeout.ms": "6000"])
            let worker = try ExampleWorker(kafka: kafka, topics: TopicNames(), groupId: "crash-flow-worker", behaviour: ExampleWorker.echoBehaviour, logger: logger)
            let workerTask = Task { try await worker.run() }
            defer { workerTask.cancel() }

            let items = JSONValue.array((0..<Self.items).map { .string("item-\($0)") })
            let started = try await http("POST", port: port, "/v1/workflows/crash-foreach/instances", body: JSONValue.object(["items": items]).serialized())
            #expect(started.status == 201)
            let fanout = try #require(started.json["id"]?.stringValue)
            for _ in 0..<Self.races {
                #expect(try await http("POST", port: port, "/v1/workflows/crash-race/instances", body: "{}").status == 201)
                #expect(try await http("POST", port: port, "/v1/workflows/crash-parent/instances", body: "{}").status == 201)
            }

            func progress() async throws -> Int {
                let view = try await http("GET", port: port, "/v1/instances/\(fanout)")
                let state = view.json["executions"]?[0]?["foreach"]?[0]
                return (state?["completed"]?.intValue ?? 0) + (view.json["status"] == "COMPLETED" ? Self.items : 0)
            }
            for round in 2...3 {
                // Kill while the fan-out is part way: past the last kill's mark, short of the end.
                let target = round == 2 ? 100 : 250
                let deadline = ContinuousClock.now + .seconds(60)
                var done = try await progress()
                while done < target, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                    done = try await progress()
                }
                #expect(done < Self.items, "the kill must hit the fan-out in progress")
                print("crash test (foreach): kill -9 with \(done) of \(Self.items) items completed")
                try await cluster.killAndRestart(round: round)
            }
            // One life per failpoint, each dying a few passes in, with the fan-out still running.
            var deaths: [String] = []
            var round = 4
            for point in Failpoint.allCases {
                let before = try await progress()
                #expect(before < Self.items, "the failpoint \(point.rawValue) must hit the fan-out in progress")
                deaths.append(try await cluster.dieAt(point.rawValue, hits: Int.random(in: 1...2), round: round))
                try await cluster.killAndRestart(round: round + 1)
                round += 2
                print("crash test (foreach): \(deaths.last!) with \(before) of \(Self.items) items completed")
            }
            #expect(deaths.filter { $0.hasSuffix("(exit 86)") }.count == Failpoint.allCases.count, "every failpoint must be reached: \(deaths)")
            #expect(try await progress() < Self.items, "the failpoints must hit the fan-out in progress")

            let deadline = ContinuousClock.now + .seconds(150)
            while try await countInstances(port: port, status: "COMPLETED") < 1 + Self.races * 3, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
            }
            cluster.stopServe()

            let check = try await SQLiteStore.open(.init(path: cluster.store))
            let instance = try #require(try await check.instance(id: fanout))
            #expect(instance.status == .completed)
            let output = try #require(instance.root.steps["each"]?.output?.arrayValue)
            #expect(output.count == Self.items)
            #expect(output.enumerated().allSatisfy { index, value in value["item"] == .string("item-\(index)") && value["index"] == .number(Double(index)) })
            let history = try await check.history(instanceId: fanout, afterSequence: 0, limit: 100_000)
            #expect(history.map(\.sequence) == Array(1...history.count))
            var scheduled: [String: Int] = [:]
            var ended: [String: Int] = [:]
            var applied: [String: Int] = [:]
            for event in history {
                switch event.type {
                case .taskScheduled: scheduled[event.executionId ?? "root", default: 0] += 1
                case .branchEnded: ended[event.executionId ?? "root", default: 0] += 1
                case .taskCompleted: applied[event.taskId ?? "", default: 0] += 1
                default: break
                }
            }
            let startedTwice = scheduled.values.filter { $0 > 1 }.count
            let endedTwice = ended.values.filter { $0 > 1 }.count
            let appliedTwice = applied.values.filter { $0 > 1 }.count
            #expect(scheduled.count == Self.items && startedTwice == 0)
            #expect(ended.count == Self.items && endedTwice == 0)
            #expect(applied.count == Self.items && appliedTwice == 0)

            var races: [WorkflowInstance] = []
            var cursor: String?
            repeat {
                let page = try await check.instances(InstanceQuery(workflowId: "crash-race", cursor: cursor, limit: 1000))
                races += page.instances
                cursor = page.nextCursor
            } while cursor != nil
            #expect(races.count == Self.races * 2)  // twenty started directly, twenty as children
            var raceProblems = 0
            for race in races {
                let events = try await check.history(instanceId: race.id, afterSequence: 0, limit: 1000)
                let joins = events.filter { $0.type == .branchesJoined }.count
                let completions = events.filter { $0.type == .taskCompleted }
                if race.status != .completed || joins != 1 || Set(completions.compactMap(\.taskId)).count != completions.count { raceProblems += 1 }
            }
            #expect(raceProblems == 0)
            let parents = try await check.instances(InstanceQuery(workflowId: "crash-parent", limit: 1000)).instances
            var parentProblems = 0
            for parent in parents {
                let children = try await check.instances(InstanceQuery(parentId: parent.id, limit: 10)).instances
                let events = try await check.history(instanceId: parent.id, afterSequence: 0, limit: 1000)
                let ended = events.filter { $0.type == .subworkflowEnded }.count
                if parent.status != .completed || children.count != 1 || children.first?.status != .completed || ended != 1 { parentProblems += 1 }
            }
            #expect(parents.count == Self.races)
            #expect(parentProblems == 0)
            await check.close()
            cluster.passed()
            print("crash test (foreach): deaths \(deaths)")
            print("crash test (foreach): \(Self.items) items completed in order, \(startedTwice) started twice, \(appliedTwice) results applied twice; \(races.count) join-any races, \(raceProblems) with a problem; \(parents.count) parents of a child race, \(parentProblems) with a problem")
        }
    }
}
