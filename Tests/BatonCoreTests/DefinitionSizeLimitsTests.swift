import BatonCore
import BatonExpressions
import Foundation
import Testing

/// Definitions of absurd size are refused on a walk of the document, before compiling.
@Suite("Definition size limits")
struct DefinitionSizeLimitsTests {
    static func definition(steps: Int, nested: Bool = false) -> JSONValue {
        let list: [JSONValue] = (0..<steps).map { ["id": .string("s\($0)"), "type": "succeed"] }
        if nested {
            return ["id": "big", "steps": [["id": "p", "type": "parallel", "branches": [["name": "a", "steps": .array(list)]]]]]
        }
        return ["id": "big", "steps": .array(list)]
    }

    @Test func aHundredThousandStepsAreRefusedBeforeCompiling() throws {
        let start = ContinuousClock.now
        let error = #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(document: Self.definition(steps: 100_000)) }
        #expect(error?.issues.first?.field == "/steps")
        #expect(error?.issues.first?.message == "100000 steps (nested ones included); at most 10000 are accepted")
        #expect(ContinuousClock.now - start < .seconds(2))
        // Nested steps count too.
        let nested = #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(document: Self.definition(steps: 10_001, nested: true)) }
        #expect(nested?.issues.first?.message.hasPrefix("10002 steps") == true)
        #expect(DefinitionSizeLimits.issues(in: Self.definition(steps: 10_000)).isEmpty)
    }

    @Test func aMegabyteExpressionIsRefusedWhereItIs() throws {
        let expression = "${ " + String(repeating: "$.input.a + ", count: 90_000) + "1 }"
        let document: JSONValue = ["id": "long", "output": ["total": .string(expression)], "steps": [["id": "s", "type": "succeed"]]]
        let error = #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(document: document) }
        #expect(error?.issues.map(\.field) == ["/output/total"])
        #expect(error?.issues.first?.message.hasSuffix("at most 65536 are accepted") == true)
    }
}
