import BatonExpressions

/// The document expression and template tests evaluate against.
enum Fixtures {
    static let document: JSONValue = [
        "input": [
            "order": [
                "id": "ORD-1",
                "total": 120.5,
                "currency": "EUR",
                "items": [["sku": "A-1", "qty": 2, "price": 10], ["sku": "B-2", "qty": 1, "price": 100.5]],
                "tags": ["gift", "express"],
                "customer": ["name": "Zoë", "vip": true, "email": nil],
            ]
        ],
        "steps": ["reserve": ["output": ["items": [["sku": "A-1"]], "ok": true]]],
        "vars": [
            "key with space": "spaced", "i": 1, "last": -1, "field": "currency", "zero": 0, "text": "Hello World",
            "half": 0.5, "flag": false, "empty": [], "obj": ["b": 1, "a": 2], "größe": 42,
        ],
    ]

    /// Parses and evaluates, so one table row is one line.
    static func evaluate(_ source: String) throws -> JSONValue {
        try Expression(parsing: source).evaluate(in: document)
    }
}
