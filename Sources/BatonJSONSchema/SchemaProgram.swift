/// One compiled schema: its keywords in evaluation order and the resource it belongs to.
struct SchemaNode: Sendable {
    /// Evaluated in this order; `unevaluatedItems` and `unevaluatedProperties` always come last,
    /// because they depend on what every other keyword of the node evaluated.
    var keywords: [Keyword]
    /// Index of the schema resource (``SchemaIndex``) the node belongs to; entering a node of
    /// another resource extends the dynamic scope that `$dynamicRef` searches.
    var resource: Int
    /// Whether this is the boolean schema `false`, so that applicators can say
    /// "property 'x' is not allowed" instead of a generic failure.
    var isFalse: Bool
}

/// A compiled schema graph, immutable once built and shared by every validation.
///
/// Nodes refer to each other by index; a `$ref` is just the index of its target, so recursive
/// schemas are cycles in this array rather than infinitely deep trees.
final class SchemaProgram: Sendable {
    let nodes: [SchemaNode]
    /// The node validation starts from.
    let root: Int
    /// Whether any node uses `unevaluatedItems` or `unevaluatedProperties`. Only then do
    /// evaluations record which properties and items they looked at.
    let tracksAnnotations: Bool
    /// For each resource index, its `$dynamicAnchor`s that some `$dynamicRef` may resolve to.
    let dynamicAnchors: [[String: Int]]

    init(nodes: [SchemaNode], root: Int, tracksAnnotations: Bool, dynamicAnchors: [[String: Int]]) {
        self.nodes = nodes
        self.root = root
        self.tracksAnnotations = tracksAnnotations
        self.dynamicAnchors = dynamicAnchors
    }
}
