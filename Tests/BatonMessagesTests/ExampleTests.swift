import BatonCore
import BatonExpressions
import BatonMessages
import Foundation
import Testing

@Suite("schemas/examples")
struct ExampleTests {
    static let schemaNames = ["task-request", "task-result", "trigger-event", "lifecycle-event", "task-cancellation", "workflow-definition"]

    @Test func everySchemaIsAValid2020_12SchemaWithAVersionedId() throws {
        for name in Self.schemaNames {
            let schema = try Contract.schema(name)
            #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", "\(name)")
            #expect(schema["$id"] == .string("https://baton.dev/schemas/\(name)/v1"), "\(name)")
            #expect(schema["title"]?.stringValue?.isEmpty == false, "\(name)")
            #expect(schema["description"]?.stringValue?.isEmpty == false, "\(name)")
        }
        // The validator checks each schema against the 2020-12 metaschema before using it.
        for name in Self.schemaNames {
            #expect(try Contract.validate(values: [], against: name) == [])
        }
    }

    @Test func everyMessageSchemaHasAnExample() {
        let covered = Set(Contract.exampleMessages.map(Contract.schemaName(ofExample:)))
        #expect(covered == ["task-request", "task-result", "trigger-event", "lifecycle-event", "task-cancellation"])
    }

    @Test func thereAreExamplesOfSeveralLifecycleEventTypes() throws {
        var types: Set<String> = []
        for file in Contract.exampleMessages where file.hasPrefix("lifecycle-event.") {
            types.insert(try JSONValue.parse(try Contract.bytes(ofFile: Contract.examplePath(file)))["type"]?.stringValue ?? "")
        }
        #expect(types == Set(LifecycleEventType.allCases.map(\.rawValue) + CircuitEvent.Kind.allCases.map(\.rawValue)))
    }

    @Test(arguments: Contract.exampleMessages.filter { $0.hasPrefix("lifecycle-event.tasktype-") })
    func exampleCircuitEventIsWhatTheCodecEmitsForIt(_ file: String) throws {
        let json = try JSONValue.parse(try Contract.bytes(ofFile: Contract.examplePath(file)))
        let data = try #require(json["data"])
        let event = CircuitEvent(
            kind: try #require(json["type"]?.stringValue.flatMap(CircuitEvent.Kind.init(rawValue:))), taskType: try #require(data["taskType"]?.stringValue),
            state: try #require(data["state"]?.stringValue), failures: try #require(data["failures"]?.intValue),
            windowMilliseconds: Int64(try #require(data["windowMs"]?.intValue)), coolDownMilliseconds: Int64(try #require(data["coolDownMs"]?.intValue)),
            time: try #require(json["time"]?.stringValue.flatMap(Timestamp.init(iso8601:)))
        )
        #expect(event.id == json["id"]?.stringValue)
        #expect(try JSONValue.parse(CircuitEventCodec.encode(event, topics: TopicNames()).value) == json)
    }

    @Test(arguments: Contract.exampleMessages)
    func exampleMessageValidatesAgainstItsSchema(_ file: String) throws {
        let schema = Contract.schemaName(ofExample: file)
        #expect(Self.schemaNames.contains(schema), "\(file) names no schema")
        let reports = try Contract.validate(files: [Contract.examplePath(file)], against: schema)
        #expect(reports.count == 1)
        for report in reports { #expect(report.isValid, "\(report)") }
    }

    @Test(arguments: Contract.exampleMessages.filter { $0.hasPrefix("task-result.") })
    func exampleResultIsAcceptedByTheCodec(_ file: String) throws {
        _ = try TaskResultCodec.decode(try Contract.bytes(ofFile: Contract.examplePath(file)))
    }

    @Test(arguments: Contract.exampleMessages.filter { $0.hasPrefix("lifecycle-event.") && !$0.hasPrefix("lifecycle-event.tasktype-") })
    func exampleLifecycleEventIsWhatTheCodecEmitsForIt(_ file: String) throws {
        // Rebuild the LifecycleEvent from the example and encode it: the codec must give back the example.
        let json = try JSONValue.parse(try Contract.bytes(ofFile: Contract.examplePath(file)))
        let data = try #require(json["data"])
        let event = LifecycleEvent(
            id: try #require(json["id"]?.stringValue), type: try #require(json["type"]?.stringValue.flatMap(LifecycleEventType.init(rawValue:))),
            instanceId: try #require(data["instanceId"]?.stringValue), workflowId: try #require(data["workflowId"]?.stringValue),
            workflowVersion: try #require(data["workflowVersion"]?.intValue), stepId: data["stepId"]?.stringValue,
            executionId: data["executionId"]?.stringValue, taskId: data["taskId"]?.stringValue, attempt: data["attempt"]?.intValue, status: try #require(data["status"]?.stringValue),
            output: data["output"], error: data["error"].flatMap(ErrorInfo.init(json:)),
            durationMilliseconds: data["durationMs"]?.intValue.map(Int64.init), time: try #require(json["time"]?.stringValue.flatMap(Timestamp.init(iso8601:)))
        )
        #expect(try JSONValue.parse(LifecycleCodec.encode(event, topics: TopicNames()).value) == json)
    }

    // MARK: Example definitions

    @Test func definitionExamplesAreTheOnesMakeRunRegisters() {
        #expect(Contract.exampleDefinitions == ["hello-approval.yaml", "hello-fanout.yaml", "hello-subworkflow.yaml", "hello-validated.yaml", "hello.json", "order-fulfilment.yaml"])
    }

    @Test func helloValidatedAcceptsWhatMakeRunStartsItWithAndRefusesAnEmptyName() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("hello-validated.yaml")), version: 1)
        let schema = try #require(definition.inputSchema)
        #expect(schema.validate(["name": "Baton"]).isEmpty)
        #expect(schema.validate(["name": ""]).map(\.instancePath) == ["/name"])
        let run = EngineRun(definition, input: ["name": "Baton"], worker: exampleWorker)
        #expect(run.instance.status == .completed)
        #expect(run.instance.output == ["message": "Hello, Baton!"])
        #expect(definition.maxSteps == 20)
    }

    @Test func helloFanoutRunsItsBranchesAndItemsToOneOutputWithTheExampleWorker() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("hello-fanout.yaml")), version: 1)
        let run = EngineRun(definition, input: ["name": "Baton"], worker: exampleWorker)
        #expect(run.instance.status == .completed)
        #expect(run.instance.output == [
            "both": ["formal": ["message": "Hello, Dr. Baton!"], "casual": ["message": "Hello, Baton!"]],
            "guests": [["message": "Hello, Baton!"], ["message": "Hello, Ada!"], ["message": "Hello, Grace!"], ["message": "Hello, Edsger!"]],
        ])
        #expect(Set(run.dispatches.map(\.executionId)) == ["both/formal", "both/casual", "everyone[0]", "everyone[1]", "everyone[2]", "everyone[3]"])
    }

    @Test(arguments: Contract.exampleDefinitions)
    func exampleDefinitionCompilesAndValidatesAgainstTheDefinitionSchema(_ file: String) throws {
        let text = try Contract.text(ofFile: Contract.examplePath(file))
        do {
            _ = try DefinitionCompiler.compile(text: text)
        } catch {
            Issue.record("\(file) does not compile: \(error)")
        }
        let document = try DefinitionDocument.parse(text)
        let reports = try Contract.validate([document], against: "workflow-definition")
        for report in reports { #expect(report.isValid, "\(file): \(report)") }
    }

    @Test func helloIsTwoGreetingTasksStartedThroughTheAPI() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("hello.json")))
        #expect(definition.id == "hello")
        #expect(definition.stepOrder == ["greet", "greetTeam"])
        #expect(definition.startAt == "greet")
        #expect(definition.taskTypes == ["greeting.compose"])
        #expect(definition.triggers.isEmpty)
    }

    @Test func helloRunsToItsGreetingsWithTheExampleWorker() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("hello.json")), version: 1)
        let run = EngineRun(definition, input: ["name": "Ada"], worker: exampleWorker)
        #expect(run.instance.status == .completed)
        #expect(run.dispatches.map(\.input) == [["name": "Ada"], ["name": "the team of Ada"]])
        #expect(run.dispatches.last?.deadline == Times.at(250 + 10_000))
        #expect(run.instance.output == ["greeting": "Hello, Ada!", "teamGreeting": "Hello, the team of Ada!"])
    }

    @Test func orderFulfilmentIsTriggeredByOrderCreatedAndUsesTwoTaskTypes() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("order-fulfilment.yaml")))
        #expect(definition.id == "order-fulfilment")
        #expect(definition.stepOrder == ["reserve", "checkStock", "charge", "recordShortage", "rejectOrder"])
        #expect(definition.taskTypes == ["inventory.reserve", "payment.charge"])
        #expect(definition.triggers.map(\.eventType) == ["com.example.order.created"])
        #expect(definition.steps.values.map(\.typeName).sorted() == ["choice", "fail", "set", "task", "task"])
    }

    @Test func orderCreatedExampleEventPassesTheFilterAndMapsToTheWorkflowInput() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("order-fulfilment.yaml")))
        let event = try CloudEventCodec.decode(value: try Contract.bytes(ofFile: Contract.examplePath("trigger-event.example.json")), headers: [])
        let trigger = try #require(definition.triggers.first)
        #expect(trigger.eventType == event.type)
        #expect(try trigger.filter?.evaluateCondition(in: event.json) == true)
        let input = try #require(try trigger.input?.render(in: event.json))
        #expect(input == ["orderId": "o-1", "sku": "book", "quantity": 2, "amount": 42])
        #expect(try definition.key?.value(for: input) == "o-1")
    }

    @Test func orderFulfilmentChargesWhenTheStockIsReserved() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("order-fulfilment.yaml")), version: 1)
        let run = EngineRun(definition, input: ["orderId": "o-1", "sku": "book", "quantity": 2, "amount": 42], worker: exampleWorker)
        #expect(run.instance.status == .completed)
        #expect(run.dispatches.map(\.input) == [
            ["orderId": "o-1", "sku": "book", "quantity": 2],
            ["orderId": "o-1", "amount": 42, "reservationId": "res-inst-1.1"],
        ])
        #expect(run.dispatches.map(\.deadline) == [Times.at(30_000), Times.at(250 + 60_000)])
        #expect(run.instance.output == [
            "orderId": "o-1", "status": "CONFIRMED", "reservationId": "res-inst-1.1", "receipt": "rcpt-inst-1.2", "amount": 42,
        ])
    }

    @Test func orderFulfilmentFailsWithOutOfStockWhenTheStockIsNotThere() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("order-fulfilment.yaml")), version: 1)
        let run = EngineRun(definition, input: ["orderId": "o-2", "sku": "book", "quantity": 12, "amount": 252], worker: exampleWorker)
        #expect(run.instance.status == .failed)
        #expect(run.dispatches.map(\.taskType) == ["inventory.reserve"])
        #expect(run.instance.vars == ["shortage": ["sku": "book", "requested": 12]])
        #expect(run.instance.error?.code == "OUT_OF_STOCK")
        #expect(run.instance.error?.message == "order o-2: 12 × book are not in stock")
        #expect(run.instance.error?.stepId == "rejectOrder")
    }
}
