import Foundation
import Testing

import BatonExpressions

/// Not a performance assertion (timings depend on the machine and build configuration): it prints
/// parse and serialise times of a ~1 KB message next to Foundation's `JSONSerialization`, so a
/// regression is visible in the test log, and it checks both sides read the same document.
@Suite("JSON benchmark")
struct JSONBenchmarkTests {
    static let document = #"""
        {"id":"wf-7f3a9c2e-1b4d-4e8f-9a6b-2c5d8e1f3a7b","type":"order.fulfilment","version":3,"status":"running",
        "input":{"order":{"id":"ORD-2024-118734","customer":{"id":"C-99812","name":"Zoë Müller","email":"zoe@example.com",
        "tier":"gold"},"total":1249.95,"currency":"EUR","items":[{"sku":"SKU-1001","qty":2,"price":199.99,"tags":["fragile",
        "gift"]},{"sku":"SKU-2044","qty":1,"price":850.0,"tags":[]},{"sku":"SKU-3120","qty":5,"price":-0.01,"tags":["promo"]}],
        "shipping":{"method":"express","address":{"street":"Hauptstraße 12","city":"Berlin","zip":"10115","country":"DE"}},
        "notes":"Leave at door.\nRing twice \"please\"","flags":{"priority":true,"gift":false,"review":null}}},
        "steps":{"reserve":{"status":"done","attempt":1,"output":{"reservationId":"R-55123","expiresAt":"2024-05-01T12:00:00Z"}},
        "charge":{"status":"pending","attempt":0,"output":null}},"vars":{"key with space":42,"ratio":0.125,"count":1e3}}
        """#

    @Test("parse and serialise a 1 KB document 10k times, compared with Foundation")
    func parseAndSerialiseTimings() throws {
        let bytes = Array(Self.document.utf8)
        let iterations = 10_000
        let clock = ContinuousClock()

        var parsed = JSONValue.null
        let parseTime = try clock.measure {
            for _ in 0..<iterations { parsed = try JSONValue.parse(bytes) }
        }
        var output: [UInt8] = []
        let serialiseTime = clock.measure {
            for _ in 0..<iterations { output = parsed.serializedBytes() }
        }

        let data = Data(bytes)
        var object: Any = NSNull()
        let foundationParseTime = try clock.measure {
            for _ in 0..<iterations { object = try JSONSerialization.jsonObject(with: data) }
        }
        var foundationOutput = Data()
        let foundationSerialiseTime = try clock.measure {
            for _ in 0..<iterations {
                foundationOutput = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            }
        }

        func perDocument(_ duration: Duration) -> String {
            let microseconds = Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
            return String(format: "%.2f µs", microseconds / Double(iterations))
        }
        print(
            """
            JSON benchmark (\(bytes.count) bytes × \(iterations)):
              JSONValue.parse          \(perDocument(parseTime))   JSONSerialization.jsonObject \(perDocument(foundationParseTime))
              JSONValue.serialized     \(perDocument(serialiseTime))   JSONSerialization.data      \(perDocument(foundationSerialiseTime))
            """)

        #expect(bytes.count > 900)
        #expect(try JSONValue.parse(output) == parsed)
        #expect(try JSONValue.parse(Array(foundationOutput)) == parsed)
        #expect(parsed["input"]?["order"]?["customer"]?["name"] == "Zoë Müller")
    }
}
