import BatonExpressions

/// Turns a schema document, and whatever it references, into a ``SchemaProgram``.
///
/// Compilation is lazy in one way and eager in another: only schemas reachable from the root
/// (through subschemas, `$ref` and `$dynamicRef`) are compiled, so unused `$defs` and unused parts
/// of registry documents may be anything; but everything reachable is compiled and checked once,
/// so validation never re-reads the schema's JSON or resolves a URI.
struct SchemaCompiler {
    var index = SchemaIndex()
    let registry: SchemaRegistry
    var nodes: [SchemaNode] = []
    /// The node compiled for each location, so each place is compiled once and cycles end.
    var nodeAt: [SchemaLocation: Int] = [:]
    /// Anchor names of `$dynamicRef`s that may resolve dynamically.
    var dynamicRefNames: Set<String> = []
    /// Compiled regular expressions by source, shared between keywords.
    var patterns: [String: CompiledPattern] = [:]
    /// Set once a node uses `unevaluatedItems` or `unevaluatedProperties`.
    var tracksAnnotations = false

    init(registry: SchemaRegistry) {
        self.registry = registry
    }

    /// Compiles `document`, whose base URI is `baseURI` unless it declares its own `$id`.
    static func compile(_ document: JSONValue, baseURI: String, registry: SchemaRegistry) throws(SchemaError) -> SchemaProgram {
        var compiler = SchemaCompiler(registry: registry)
        compiler.index.addDocument(document, uri: baseURI)
        let rootLocation = SchemaLocation(document: 0, pointer: "")
        let root = try compiler.compile(rootLocation, resource: compiler.index.resource(containing: rootLocation))
        try compiler.compileDynamicAnchors()
        return SchemaProgram(
            nodes: compiler.nodes,
            root: root,
            tracksAnnotations: compiler.tracksAnnotations,
            dynamicAnchors: compiler.dynamicAnchorTable()
        )
    }

    /// The node for the schema at `location` (which must exist), compiling it on first use.
    ///
    /// The node's index is reserved before its keywords are compiled, so a reference back to this
    /// location from inside it (a recursive schema) finds the index instead of recursing forever.
    mutating func compile(_ location: SchemaLocation, resource enclosing: Int) throws(SchemaError) -> Int {
        if let existing = nodeAt[location] { return existing }
        guard let value = index.value(at: location) else {
            throw failure("there is no schema at this location", at: location)
        }
        let resource = index.resourceRoot(at: location) ?? enclosing
        let nodeIndex = nodes.count
        nodes.append(SchemaNode(keywords: [], resource: resource, isFalse: false))
        nodeAt[location] = nodeIndex
        switch value {
        case .bool(true):
            break
        case .bool(false):
            nodes[nodeIndex] = SchemaNode(keywords: [.falseSchema], resource: resource, isFalse: true)
        case .object(let members):
            let keywords = try compileKeywords(members, at: location, resource: resource)
            nodes[nodeIndex].keywords = keywords
        default:
            throw failure("a schema must be an object or a boolean, found \(ValueDescription.found(value))", at: location)
        }
        return nodeIndex
    }

    /// The error for `message` about the keyword or schema at `location`.
    func failure(_ message: String, at location: SchemaLocation) -> SchemaError {
        SchemaError(
            message: message,
            pointer: location.pointer,
            documentURI: location.document == 0 ? nil : index.documentURIs[location.document]
        )
    }

    /// Where `reference` (the value of `$ref` or `$dynamicRef` at `keywordLocation`, in
    /// `resource`) points, and the anchor name when it names a `$dynamicAnchor`.
    mutating func resolve(
        _ reference: String, keyword: String, at keywordLocation: SchemaLocation, resource: Int
    ) throws(SchemaError) -> (location: SchemaLocation, dynamicAnchor: String?) {
        let base = URIReference(parsing: index.resources[resource].uri)
        let target = URIReference(parsing: reference).resolved(against: base)
        let uri = target.withoutFragment.text
        guard let targetResource = index.resource(forURI: uri, registry: registry) else {
            throw failure(
                "\(keyword) \"\(reference)\" cannot be resolved: no schema is known as \(uri) (register it in the SchemaRegistry)",
                at: keywordLocation)
        }
        guard let fragment = JSONPointer.percentDecoded(target.fragment ?? "") else {
            throw failure("\(keyword) \"\(reference)\" has a malformed percent-encoding in its fragment", at: keywordLocation)
        }
        let found = index.resources[targetResource]
        if fragment.isEmpty { return (found.location, nil) }
        if fragment.hasPrefix("/") {
            let location = SchemaLocation(document: found.location.document, pointer: found.location.pointer + fragment)
            guard JSONPointer.tokens(fragment) != nil, index.value(at: location) != nil else {
                throw failure("\(keyword) \"\(reference)\" points to nothing: \(uri) has no value at \(fragment)", at: keywordLocation)
            }
            return (location, nil)
        }
        guard let location = found.anchors[fragment] else {
            throw failure(
                "\(keyword) \"\(reference)\" cannot be resolved: \(uri) declares no anchor named \"\(fragment)\"",
                at: keywordLocation)
        }
        return (location, found.dynamicAnchors[fragment] == nil ? nil : fragment)
    }

    /// Compiles every `$dynamicAnchor` a `$dynamicRef` might land on: those named by a dynamic
    /// reference, in every resource that has compiled nodes (only those can be in a dynamic scope).
    /// Compiling one may reach new resources, hence the loop.
    private mutating func compileDynamicAnchors() throws(SchemaError) {
        guard !dynamicRefNames.isEmpty else { return }
        var changed = true
        while changed {
            changed = false
            let activeResources = Set(nodes.map(\.resource)).sorted()
            for resource in activeResources {
                let anchors = index.resources[resource].dynamicAnchors.sorted { $0.key < $1.key }
                for (name, location) in anchors where dynamicRefNames.contains(name) && nodeAt[location] == nil {
                    _ = try compile(location, resource: resource)
                    changed = true
                }
            }
        }
    }

    /// For each resource, its compiled `$dynamicAnchor`s by name.
    private func dynamicAnchorTable() -> [[String: Int]] {
        index.resources.map { resource in
            var table: [String: Int] = [:]
            for (name, location) in resource.dynamicAnchors {
                if let node = nodeAt[location] { table[name] = node }
            }
            return table
        }
    }
}
