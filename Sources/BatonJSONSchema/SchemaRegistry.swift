import BatonExpressions

/// The schema documents a ``JSONSchema`` may `$ref` besides itself, by URI.
///
/// Validation never fetches anything over the network: a server must not stall, or be steered to
/// arbitrary hosts, because a schema names a URL. Every document a schema refers to is registered
/// here beforehand, under the URI it would be retrieved from. The draft 2020-12 meta-schemas are
/// not built in (Baton ships no third-party text): a schema that `$ref`s
/// `https://json-schema.org/draft/2020-12/schema` needs them registered.
///
/// Registering is cheap: a document is only read when a reference reaches it.
public struct SchemaRegistry: Sendable {
    /// Registered documents by their URI without fragment.
    private(set) var documents: [String: JSONValue] = [:]

    /// An empty registry.
    public init() {}

    /// Makes `document` available to `$ref` under `uri`, an absolute URI such as
    /// `https://example.com/schemas/order.json`.
    ///
    /// `uri` is the document's retrieval URI: relative references inside it resolve against it
    /// unless the document declares another base with `$id`, in which case it is found under both.
    /// A fragment in `uri` is ignored; registering twice under one URI keeps the later document.
    public mutating func register(_ document: JSONValue, uri: String) {
        documents[Self.key(for: uri)] = document
    }

    /// The document registered under `uri`, which has no fragment.
    func document(forURI uri: String) -> JSONValue? {
        documents[uri]
    }

    /// Every registered URI in a stable order, for the one-time search of embedded `$id`s.
    var registeredURIs: [String] { documents.keys.sorted() }

    /// The lookup key for `uri`: without fragment, with `.` and `..` segments resolved, so that
    /// keys compare equal to the URIs that `$ref` resolution produces.
    static func key(for uri: String) -> String {
        var reference = URIReference(parsing: uri)
        if reference.isAbsolute { reference.path = URIReference.removingDotSegments(reference.path) }
        return reference.withoutFragment.text
    }
}
