import BatonCore
import BatonExpressions
import Testing

/// A definition's `inputSchema` and `outputSchema`.
@Suite("Engine: input and output schemas")
struct EngineSchemaTests {
    static let charge = """
        id: charge
        inputSchema:
          type: object
          required: [orderId, amount]
          properties:
            orderId: {type: string, pattern: "^o-[0-9]+$"}
            amount: {type: number, exclusiveMinimum: 0}
        outputSchema: {type: object, required: [receipt]}
        steps:
          - {id: pay, type: task, taskType: payment.charge}
        """

    @Test func theInputSchemaNamesEveryViolation() throws {
        let d = try compile(Self.charge)
        let schema = try #require(d.inputSchema)
        #expect(schema.validate(["orderId": "o-1", "amount": 5]).isEmpty)
        let errors = schema.validate(["orderId": "x", "amount": 0])
        #expect(errors.map(\.instancePath).sorted() == ["/amount", "/orderId"])
        #expect(schema.validate(["amount": 5]).map(\.message).contains { $0.contains("orderId") })
    }

    @Test func anOutputThatBreaksTheOutputSchemaFailsTheInstanceWithInvalidOutput() throws {
        let d = try compile(Self.charge)
        let engine = Engine()
        let s = engine.start(StartWorkflow(instanceId: "i1", input: ["orderId": "o-1", "amount": 5], origin: "api"), definition: d, now: t0)
        let bad = engine.taskResultReceived(completed(s.dispatches[0], output: ["status": "ok"]), instance: s.instance, definition: d, at: t1)
        #expect(bad.instance.status == .failed)
        #expect(bad.instance.error?.code == "INVALID_OUTPUT")
        #expect(bad.instance.error?.message.contains("outputSchema") == true)
        #expect(bad.instance.error?.details?["errors"]?[0]?["pointer"] == "")
        #expect(bad.lifecycleTypes.last == .workflowFailed)
        let good = engine.taskResultReceived(completed(s.dispatches[0], output: ["receipt": "r-1"]), instance: s.instance, definition: d, at: t1)
        #expect(good.instance.status == .completed)
    }

    @Test func aBrokenSchemaIsRefusedWithTheDefinitionAndPointsAtIt() {
        let broken = Self.charge.replacingOccurrences(of: "pattern: \"^o-[0-9]+$\"", with: "pattern: \"(unclosed\"")
        #expect(throws: DefinitionError.self) { try compile(broken) }
        do {
            _ = try compile(broken)
        } catch let error as DefinitionError {
            #expect(error.issues.contains { $0.field.hasPrefix("/inputSchema/properties/orderId/pattern") && $0.message.contains("not a valid JSON Schema") })
        } catch {}
        #expect(throws: DefinitionError.self) { try compile("id: x\ninputSchema: 5\nsteps: [{id: a, type: succeed}]") }
    }
}
