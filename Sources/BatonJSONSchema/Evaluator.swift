import BatonExpressions

/// One validation of one instance against a ``SchemaProgram``.
///
/// It runs in one of two modes. Checking (`collecting == false`) answers valid or invalid as fast
/// as possible: a node stops at its first failing keyword and builds no messages. Collecting
/// evaluates everything and records an error for each failure; ``JSONSchema/validate(_:)`` only
/// runs it after a check found the instance invalid, so valid instances never pay for messages.
/// Subschemas whose failures are expected and discarded (`not`, `if`, `contains`) are always
/// checked, even while collecting.
struct Evaluator {
    let program: SchemaProgram
    /// Whether failures are recorded in `errors` (and evaluation continues past them).
    var collecting: Bool
    var errors: [ValidationError] = []
    /// Where in the instance evaluation is, as steps from the root.
    var instancePath: [PathComponent] = []
    /// The evaluation path through the schema, as steps from the root schema.
    var keywordPath: [PathComponent] = []
    /// The schema resources entered so far, outermost first: the dynamic scope of `$dynamicRef`.
    var dynamicScope: [Int] = []
    /// The references being followed, to detect a schema that refers back to itself at the same
    /// instance location (which would never finish).
    var activeReferences: [ActiveReference] = []

    struct ActiveReference {
        var node: Int
        var instanceDepth: Int
    }

    init(program: SchemaProgram, collecting: Bool) {
        self.program = program
        self.collecting = collecting
    }

    /// Evaluates the root schema against the whole instance.
    mutating func validateRoot(_ instance: JSONValue) -> Bool {
        var annotations = Annotations()
        return evaluate(program.root, instance, into: &annotations)
    }

    /// Evaluates node `index` against `instance` (at the current instance path).
    ///
    /// What the node's keywords evaluated is added to `annotations` when the node passes. When
    /// collecting, `keepingAnnotationsOnFailure` also adds it when the node fails: used for
    /// `allOf`, `$ref` and the like, whose failure fails the caller anyway, so that a failing
    /// branch does not make `unevaluatedProperties` also report every property it covered.
    mutating func evaluate(
        _ index: Int, _ instance: JSONValue, into annotations: inout Annotations, keepingAnnotationsOnFailure: Bool = false
    ) -> Bool {
        let node = program.nodes[index]
        let entersResource = dynamicScope.last != node.resource
        if entersResource { dynamicScope.append(node.resource) }
        defer { if entersResource { dynamicScope.removeLast() } }

        var local = Annotations()
        var valid = true
        for keyword in node.keywords {
            if !apply(keyword, to: instance, annotations: &local) {
                valid = false
                if !collecting { break }
            }
        }
        if program.tracksAnnotations, valid || (collecting && keepingAnnotationsOnFailure) {
            annotations.formUnion(local)
        }
        return valid
    }

    /// Evaluates `node` against `value`, the member or element `step` of the current instance,
    /// as keyword `keyword` (with `detail`, e.g. the property name under `properties`).
    ///
    /// A child's annotations describe the child's location, not this one, so they are dropped.
    /// For the schema `false` the error names the member: "property "x" is not allowed".
    mutating func descend(
        _ node: Int, _ value: JSONValue, at step: PathComponent, keyword: String, detail: PathComponent? = nil
    ) -> Bool {
        instancePath.append(step)
        keywordPath.append(.key(keyword))
        if let detail { keywordPath.append(detail) }
        defer {
            if detail != nil { keywordPath.removeLast() }
            keywordPath.removeLast()
            instancePath.removeLast()
        }
        if program.nodes[node].isFalse {
            return fail(nil, Self.notAllowed(step))
        }
        var childAnnotations = Annotations()
        return evaluate(node, value, into: &childAnnotations)
    }

    /// Evaluates `node` against the current instance itself (an in-place applicator such as
    /// `allOf/0` or `then`), adding its annotations to `annotations`.
    mutating func applyInPlace(
        _ node: Int, _ instance: JSONValue, keyword: String, detail: PathComponent? = nil,
        into annotations: inout Annotations, keepingAnnotationsOnFailure: Bool = false
    ) -> Bool {
        keywordPath.append(.key(keyword))
        if let detail { keywordPath.append(detail) }
        defer {
            if detail != nil { keywordPath.removeLast() }
            keywordPath.removeLast()
        }
        return evaluate(node, instance, into: &annotations, keepingAnnotationsOnFailure: keepingAnnotationsOnFailure)
    }

    /// Evaluates `node` in place without recording errors, whatever the mode: for subschemas
    /// whose failure is an expected outcome (`not`, `if`, `contains`).
    mutating func check(
        _ node: Int, _ instance: JSONValue, keyword: String, into annotations: inout Annotations
    ) -> Bool {
        let wasCollecting = collecting
        collecting = false
        defer { collecting = wasCollecting }
        return applyInPlace(node, instance, keyword: keyword, into: &annotations)
    }

    /// Follows `$ref` or `$dynamicRef` to `target`, in place.
    ///
    /// A reference chain that comes back to a node it is already evaluating, without having moved
    /// into the instance, would recurse forever; it is reported as an error instead.
    mutating func follow(
        _ target: Int, keyword: String, _ instance: JSONValue, into annotations: inout Annotations
    ) -> Bool {
        let depth = instancePath.count
        for active in activeReferences.reversed() {
            guard active.instanceDepth == depth else { break }
            if active.node == target {
                return fail(keyword, "the schema refers back to itself here without moving into the value, so validation would never end")
            }
        }
        activeReferences.append(ActiveReference(node: target, instanceDepth: depth))
        defer { activeReferences.removeLast() }
        return applyInPlace(target, instance, keyword: keyword, into: &annotations, keepingAnnotationsOnFailure: true)
    }

    /// Records that `keyword` (or the schema itself, for `nil`) failed here and returns `false`.
    ///
    /// The message is only built when collecting. `detail` extends the keyword path, e.g. with the
    /// property name under `dependentRequired`.
    mutating func fail(
        _ keyword: String?, _ message: @autoclosure () -> String, detail: PathComponent? = nil
    ) -> Bool {
        guard collecting else { return false }
        errors.append(error(keyword, message(), detail: detail))
        return false
    }

    /// An error for `keyword` at the current instance and keyword paths.
    func error(_ keyword: String?, _ message: String, detail: PathComponent? = nil) -> ValidationError {
        var keywordPointer = PathComponent.pointer(keywordPath)
        if let keyword { keywordPointer += "/" + JSONPointer.escape(keyword) }
        if let detail { keywordPointer += PathComponent.pointer(CollectionOfOne(detail)) }
        return ValidationError(instancePath: PathComponent.pointer(instancePath), keywordPath: keywordPointer, message: message)
    }

    /// "property "x" is not allowed" / "item 3 is not allowed".
    static func notAllowed(_ step: PathComponent) -> String {
        switch step {
        case .key(let name): "property \(ValueDescription.quoted(name)) is not allowed"
        case .index(let index): "item \(index) is not allowed"
        }
    }
}
