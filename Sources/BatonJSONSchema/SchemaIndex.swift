import BatonExpressions

/// A schema resource: a schema with a base URI of its own (a document root or a subschema with
/// `$id`), together with the anchors declared inside it.
///
/// Anchors belong to the nearest enclosing resource only, which is what makes `child1#a` and
/// `child2#a` different schemas, and what the dynamic scope of `$dynamicRef` is made of.
struct SchemaResource: Sendable {
    /// Absolute URI without fragment.
    var uri: String
    /// Where the resource's root schema is.
    var location: SchemaLocation
    /// `$anchor` and `$dynamicAnchor` names (both are plain-name fragments for `$ref`).
    var anchors: [String: SchemaLocation] = [:]
    /// `$dynamicAnchor` names only, the candidates of `$dynamicRef` resolution.
    var dynamicAnchors: [String: SchemaLocation] = [:]
}

/// Every document taking part in one compilation, with its resources and anchors found up front.
///
/// `$ref` can point forwards, backwards and into other documents, and an `$id` changes the base
/// URI of everything below it, so identifiers are collected in one pass over each document before
/// any reference is resolved. Registry documents join only when a reference first needs one.
struct SchemaIndex {
    private(set) var documents: [JSONValue] = []
    /// The URI each document was compiled or retrieved under, by document index.
    private(set) var documentURIs: [String] = []
    private(set) var resources: [SchemaResource] = []
    private var resourceByURI: [String: Int] = [:]
    private var resourceRoots: [SchemaLocation: Int] = [:]
    private var searchedWholeRegistry = false

    /// Adds `document`, retrieved from (or compiled under) `uri`, and indexes its resources.
    mutating func addDocument(_ document: JSONValue, uri: String) {
        let root = SchemaLocation(document: documents.count, pointer: "")
        documents.append(document)
        documentURIs.append(uri)
        var base = uri
        if let id = document["$id"]?.stringValue, let resolved = Self.resolveIdentifier(id, against: uri) {
            base = resolved
        }
        let resource = addResource(uri: base, at: root)
        if resourceByURI[uri] == nil { resourceByURI[uri] = resource }
        scan(document, at: root, enclosing: resource)
    }

    /// The JSON value at `location`, or `nil` when the pointer designates nothing.
    func value(at location: SchemaLocation) -> JSONValue? {
        JSONPointer.value(at: location.pointer, in: documents[location.document])
    }

    /// The resource whose root schema is at `location`, if a resource starts exactly there.
    func resourceRoot(at location: SchemaLocation) -> Int? {
        resourceRoots[location]
    }

    /// The innermost resource that contains `location`.
    func resource(containing location: SchemaLocation) -> Int {
        var current: SchemaLocation? = location
        while let candidate = current {
            if let resource = resourceRoots[candidate] { return resource }
            current = candidate.parent
        }
        // Unreachable: every document root is a resource root.
        return resourceRoots[SchemaLocation(document: location.document, pointer: "")] ?? 0
    }

    /// The resource with absolute URI `uri` (no fragment), reading it from `registry` on first use.
    ///
    /// A URI nobody registered may still be the `$id` of a subschema inside a registered document,
    /// so on a miss every registered document is indexed once before giving up.
    mutating func resource(forURI uri: String, registry: SchemaRegistry) -> Int? {
        if let resource = resourceByURI[uri] { return resource }
        if let document = registry.document(forURI: uri) {
            addDocument(document, uri: uri)
            return resourceByURI[uri]
        }
        guard !searchedWholeRegistry else { return nil }
        searchedWholeRegistry = true
        for registered in registry.registeredURIs where !documentURIs.contains(registered) {
            if let document = registry.document(forURI: registered) { addDocument(document, uri: registered) }
        }
        return resourceByURI[uri]
    }

    /// `id` resolved against `base`, without its (empty) fragment; `nil` when it has a non-empty
    /// fragment, which 2020-12 forbids in `$id` (the compiler reports that).
    static func resolveIdentifier(_ id: String, against base: String) -> String? {
        let reference = URIReference(parsing: id)
        if let fragment = reference.fragment, !fragment.isEmpty { return nil }
        return reference.resolved(against: URIReference(parsing: base)).withoutFragment.text
    }

    private mutating func addResource(uri: String, at location: SchemaLocation) -> Int {
        let index = resources.count
        resources.append(SchemaResource(uri: uri, location: location))
        if resourceByURI[uri] == nil { resourceByURI[uri] = index }
        resourceRoots[location] = index
        return index
    }

    /// Records the identifiers of the schema at `location` and descends into its subschemas.
    private mutating func scan(_ value: JSONValue, at location: SchemaLocation, enclosing: Int) {
        guard case .object(let members) = value else { return }
        var resource = enclosing
        // A document root's `$id` was applied by `addDocument`.
        if !location.pointer.isEmpty, let id = members["$id"]?.stringValue,
            let uri = Self.resolveIdentifier(id, against: resources[enclosing].uri)
        {
            resource = addResource(uri: uri, at: location)
        }
        if let anchor = members["$anchor"]?.stringValue, resources[resource].anchors[anchor] == nil {
            resources[resource].anchors[anchor] = location
        }
        if let anchor = members["$dynamicAnchor"]?.stringValue {
            if resources[resource].dynamicAnchors[anchor] == nil { resources[resource].dynamicAnchors[anchor] = location }
            if resources[resource].anchors[anchor] == nil { resources[resource].anchors[anchor] = location }
        }
        for (keyword, member) in members {
            guard let shape = SubschemaKeywords.shapes[keyword] else { continue }
            let keywordLocation = location.appending(keyword)
            switch shape {
            case .single:
                scan(member, at: keywordLocation, enclosing: resource)
            case .array:
                guard case .array(let elements) = member else { continue }
                for (offset, element) in elements.enumerated() {
                    scan(element, at: keywordLocation.appending(offset), enclosing: resource)
                }
            case .map:
                guard case .object(let schemas) = member else { continue }
                for (name, schema) in schemas {
                    scan(schema, at: keywordLocation.appending(name), enclosing: resource)
                }
            }
        }
    }
}
