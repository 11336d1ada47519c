/// A problem in one string of a JSON template, located by JSON Pointer and column.
///
/// Templates come from workflow definitions; `JSONTemplate.validate(_:)` reports every problem at
/// once so an author can fix a definition in one pass, and the pointer maps straight onto an
/// RFC 9457 problem's field reference.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// RFC 6901 JSON Pointer to the string inside the template, e.g. "/items/0/sku"; "" is the
    /// template itself.
    public var pointer: String
    /// 1-based column within that string, counted in Unicode scalars.
    public var column: Int
    /// What is wrong, e.g. "unknown function 'lenght' (did you mean 'len'?)".
    public var message: String

    /// Creates an error; the template compiler fills every field, tests and adapters may build
    /// their own.
    public init(pointer: String, column: Int, message: String) {
        self.pointer = pointer
        self.column = column
        self.message = message
    }

    /// e.g. `template error at '/items/0/sku', column 5: unexpected ')'`.
    public var description: String {
        "template error at '\(pointer)', column \(column): \(message)"
    }
}
