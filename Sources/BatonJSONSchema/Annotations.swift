/// Which properties and items of one instance location successful subschemas have evaluated.
///
/// `unevaluatedProperties` and `unevaluatedItems` apply to whatever no other keyword looked at,
/// including keywords reached through `allOf`, `$ref`, `if`, … but only from subschemas that
/// succeeded. Each node therefore collects what its keywords evaluated and hands that to its
/// caller only when it passes. Nothing is recorded unless the schema uses an unevaluated keyword
/// (``SchemaProgram/tracksAnnotations``); empty sets do not allocate.
struct Annotations {
    /// Names of evaluated properties.
    var properties: Set<String> = []
    /// Items `0..<itemPrefix` are evaluated (`prefixItems`).
    var itemPrefix = 0
    /// Every item is evaluated (`items`, `unevaluatedItems`).
    var allItems = false
    /// Further evaluated item indices (`contains`).
    var items: Set<Int> = []

    /// Adds what `other` evaluated.
    mutating func formUnion(_ other: Annotations) {
        if !other.properties.isEmpty { properties.formUnion(other.properties) }
        itemPrefix = max(itemPrefix, other.itemPrefix)
        allItems = allItems || other.allItems
        if !other.items.isEmpty { items.formUnion(other.items) }
    }

    /// Whether item `index` has been evaluated.
    func hasEvaluated(item index: Int) -> Bool {
        allItems || index < itemPrefix || items.contains(index)
    }
}
