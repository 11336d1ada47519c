/// Writes compact JSON member by member, for documents made of typed fields.
///
/// Serialising such a document through `JSONValue` first builds a dictionary per object (hashing
/// every key, allocating every member) only to walk it once; the instance state, rewritten at
/// every step, spent about as long building that tree as writing it. Keys come out in the order
/// they are written, not sorted: use it for stored documents that are parsed, not compared.
public struct JSONStreamWriter {
    private var writer: JSONWriter
    private var needsComma = false

    public init(capacity: Int = 1024) {
        writer = JSONWriter(sortedKeys: false, capacity: capacity)
    }

    /// The text written so far.
    public var bytes: [UInt8] { writer.output }

    public mutating func beginObject() { open(ASCII.openBrace) }

    public mutating func endObject() { close(ASCII.closeBrace) }

    public mutating func beginArray() { open(ASCII.openBracket) }

    public mutating func endArray() { close(ASCII.closeBracket) }

    /// An object member's key; its value is whatever is written next.
    public mutating func key(_ key: String) {
        separate()
        writer.writeString(key)
        writer.output.append(ASCII.colon)
        needsComma = false
    }

    public mutating func value(_ value: JSONValue) {
        separate()
        writer.write(value)
        needsComma = true
    }

    public mutating func string(_ string: String) {
        separate()
        writer.writeString(string)
        needsComma = true
    }

    /// Written as `JSONValue.number` would write it.
    public mutating func number(_ number: Int) {
        separate()
        writer.writeNumber(Double(number))
        needsComma = true
    }

    public mutating func null() {
        value(.null)
    }

    /// `key` followed by its value, for the common one-line members.
    public mutating func member(_ key: String, string: String) {
        self.key(key)
        self.string(string)
    }

    public mutating func member(_ key: String, number: Int) {
        self.key(key)
        self.number(number)
    }

    public mutating func member(_ key: String, value: JSONValue) {
        self.key(key)
        self.value(value)
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        writer.output.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        writer.output.append(bracket)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { writer.output.append(ASCII.comma) }
    }
}
