/// A place in one of the documents being compiled: which document, and a JSON pointer into it.
///
/// Compiled nodes are keyed by location so that every `$ref` to the same place shares one node,
/// which is also what makes recursive schemas compile in finite time.
struct SchemaLocation: Sendable, Hashable {
    /// Index of the document in the ``SchemaIndex`` (0 is the document being compiled).
    var document: Int
    /// Escaped JSON pointer within that document; empty for its root.
    var pointer: String

    /// The location of member `key` (or of element `key` of an array, as a decimal string).
    func appending(_ key: String) -> SchemaLocation {
        SchemaLocation(document: document, pointer: pointer + "/" + JSONPointer.escape(key))
    }

    /// The location of element `index` of the array here.
    func appending(_ index: Int) -> SchemaLocation {
        SchemaLocation(document: document, pointer: pointer + "/" + String(index))
    }

    /// The location one segment up, or `nil` at the document root.
    var parent: SchemaLocation? {
        guard let slash = pointer.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return SchemaLocation(document: document, pointer: String(pointer[..<slash]))
    }
}
