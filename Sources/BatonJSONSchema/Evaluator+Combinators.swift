import BatonExpressions

/// `allOf`, `anyOf`, `oneOf` and `if`/`then`/`else`.
///
/// When `anyOf` or `oneOf` fails for lack of a matching branch, the errors are a summary first
/// and then the errors of every branch (their keyword paths say which branch), so that whoever
/// fixes the value can pick the branch they meant. When a branch matches, the other branches'
/// errors are discarded.
extension Evaluator {
    mutating func applyAllOf(_ nodes: [Int], _ instance: JSONValue, annotations: inout Annotations) -> Bool {
        var valid = true
        for (offset, node) in nodes.enumerated() {
            let passed = applyInPlace(
                node, instance, keyword: "allOf", detail: .index(offset), into: &annotations, keepingAnnotationsOnFailure: true)
            if !passed {
                valid = false
                if !collecting { break }
            }
        }
        return valid
    }

    /// Every branch that passes contributes its annotations, so when they matter every branch
    /// is evaluated; otherwise the first match decides.
    mutating func applyAnyOf(_ nodes: [Int], _ instance: JSONValue, annotations: inout Annotations) -> Bool {
        let mark = errors.count
        var matched = false
        for (offset, node) in nodes.enumerated() {
            if applyInPlace(node, instance, keyword: "anyOf", detail: .index(offset), into: &annotations) {
                matched = true
                if !program.tracksAnnotations { break }
            }
        }
        if matched {
            errors.removeSubrange(mark...)
            return true
        }
        if collecting {
            let count = ValueDescription.count(nodes.count, "schema")
            errors.insert(error("anyOf", "the value matches none of the \(count) in anyOf; it must match at least one"), at: mark)
        }
        return false
    }

    /// Stops at a second match: the outcome is decided and the annotations no longer count.
    mutating func applyOneOf(_ nodes: [Int], _ instance: JSONValue, annotations: inout Annotations) -> Bool {
        let mark = errors.count
        var firstMatch: Int?
        var secondMatch: Int?
        var matchedAnnotations = Annotations()
        for (offset, node) in nodes.enumerated() {
            var branchAnnotations = Annotations()
            guard applyInPlace(node, instance, keyword: "oneOf", detail: .index(offset), into: &branchAnnotations) else { continue }
            if firstMatch == nil {
                firstMatch = offset
                matchedAnnotations = branchAnnotations
            } else {
                secondMatch = offset
                break
            }
        }
        if let firstMatch {
            errors.removeSubrange(mark...)
            if let secondMatch {
                return fail(
                    "oneOf",
                    "the value matches more than one schema in oneOf (schemas \(firstMatch) and \(secondMatch)); it must match exactly one")
            }
            annotations.formUnion(matchedAnnotations)
            return true
        }
        if collecting {
            let count = ValueDescription.count(nodes.count, "schema")
            errors.insert(error("oneOf", "the value matches none of the \(count) in oneOf; it must match exactly one"), at: mark)
        }
        return false
    }

    /// `if` is checked quietly (failing it just selects `else`); what it evaluated counts only
    /// when it passes. The errors of `then` or `else` are reported as they are.
    mutating func applyConditional(
        _ condition: Int, _ whenValid: Int?, _ whenInvalid: Int?, _ instance: JSONValue, annotations: inout Annotations
    ) -> Bool {
        if check(condition, instance, keyword: "if", into: &annotations) {
            guard let whenValid else { return true }
            return applyInPlace(whenValid, instance, keyword: "then", into: &annotations, keepingAnnotationsOnFailure: true)
        }
        guard let whenInvalid else { return true }
        return applyInPlace(whenInvalid, instance, keyword: "else", into: &annotations, keepingAnnotationsOnFailure: true)
    }
}
