import Testing

import BatonExpressions

@Suite("JSON serialisation")
struct JSONSerializationTests {
    @Test(
        "values serialise to compact deterministic JSON",
        arguments: [
            (JSONValue.null, "null"),
            (true, "true"),
            (false, "false"),
            (3, "3"),
            (3.0, "3"),
            (-42, "-42"),
            (.number(-0.0), "0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (-0.25, "-0.25"),
            (1e-7, "1e-07"),
            (1e21, "1e+21"),
            (9_007_199_254_740_992, "9007199254740992"),
            (-9_007_199_254_740_992, "-9007199254740992"),
            (.number(9_007_199_254_740_994), "9.007199254740994e+15"),
            (.number(.infinity), "null"),
            (.number(-.infinity), "null"),
            (.number(.nan), "null"),
            ("", #""""#),
            ("a\"b\\c/", #""a\"b\\c/""#),
            ("\n\t\r\u{8}\u{c}\u{1}\u{1f}", #""\n\t\r\b\f\u0001\u001f""#),
            ("Zoë 😀 \u{7f}", "\"Zoë 😀 \u{7f}\""),
            ([], "[]"),
            ([:], "{}"),
            ([1, "a", nil, [true]], #"[1,"a",null,[true]]"#),
            (["b": 1, "a": [true, nil], "C": "x"], #"{"C":"x","a":[true,null],"b":1}"#),
            (["é": 1, "z": 2, "a": 3, "Z": 4, "aa": 5], #"{"Z":4,"a":3,"aa":5,"z":2,"é":1}"#),
            (["outer": ["y": 1, "x": ["k\"ey": .number(.nan)]]], #"{"outer":{"x":{"k\"ey":null},"y":1}}"#),
        ] as [(JSONValue, String)]
    )
    func valueSerialisesCompactly(value: JSONValue, expected: String) {
        #expect(value.serialized() == expected)
        #expect(value.serializedBytes() == Array(expected.utf8))
    }

    @Test("unsorted serialisation holds the same members")
    func unsortedSerialisationRoundTrips() throws {
        let value: JSONValue = ["b": 1, "a": ["y": 2, "x": [3]], "c": "z"]
        let text = value.serialized(sortedKeys: false)
        #expect(text.utf8.count == #"{"a":{"x":[3],"y":2},"b":1,"c":"z"}"#.utf8.count)
        #expect(try JSONValue.parse(text) == value)
    }

    @Test(
        "canonical text round-trips byte for byte",
        arguments: [
            #"{"a":[1,2.5,-3,1e-07,"x"],"b":{"c":null,"d":true},"e":"\u0001\"\\"}"#,
            #"[0.1,0.2,0.30000000000000004,1.7976931348623157e+308,5e-324]"#,
            #"{"":"","emoji":"😀","nested":[[[{}]]],"zoë":"Zoë"}"#,
            #"-9007199254740992"#,
        ]
    )
    func canonicalTextRoundTrips(text: String) throws {
        #expect(try JSONValue.parse(text).serialized() == text)
    }

    @Test("values round-trip through text")
    func valuesRoundTrip() throws {
        let values: [JSONValue] = [
            ["order": ["total": 1249.95, "items": [["sku": "A", "qty": 2]], "note": "line\nbreak \"quoted\""]],
            [0.1, 1e300, -1e-300, 123_456_789_012, 2.5e-5, .number(1.0 / 3)],
            ["unicode": "ü€𝄞\u{0}\u{1f}", "empty": [:], "list": []],
        ]
        for value in values {
            #expect(try JSONValue.parse(value.serialized()) == value)
            #expect(try JSONValue.parse(value.serializedBytes(sortedKeys: false)) == value)
        }
    }

    @Test("description is the compact sorted JSON")
    func descriptionIsJSON() {
        let value: JSONValue = ["b": [1, 2], "a": "x"]
        #expect(value.description == #"{"a":"x","b":[1,2]}"#)
        #expect("\(value)" == #"{"a":"x","b":[1,2]}"#)
    }
}
