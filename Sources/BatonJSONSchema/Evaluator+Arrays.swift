import BatonExpressions

extension Evaluator {
    /// The array keywords. Item positions are recorded in `annotations` for `unevaluatedItems`.
    mutating func checkArray(_ keyword: Keyword, _ elements: [JSONValue], annotations: inout Annotations) -> Bool {
        switch keyword {
        case .maxItems(let limit):
            return elements.count <= limit
                || fail("maxItems", "expected at most \(ValueDescription.count(limit, "item")), found \(elements.count)")
        case .minItems(let limit):
            return elements.count >= limit
                || fail("minItems", "expected at least \(ValueDescription.count(limit, "item")), found \(elements.count)")
        case .uniqueItems:
            return checkUniqueItems(elements)
        case .prefixItems(let nodes):
            let covered = min(nodes.count, elements.count)
            if program.tracksAnnotations { annotations.itemPrefix = max(annotations.itemPrefix, covered) }
            var valid = true
            for index in 0..<covered {
                if !descend(nodes[index], elements[index], at: .index(index), keyword: "prefixItems", detail: .index(index)) {
                    valid = false
                    if !collecting { break }
                }
            }
            return valid
        case .items(let node, let prefixCount):
            guard elements.count > prefixCount else { return true }
            if program.tracksAnnotations { annotations.allItems = true }
            var valid = true
            for index in prefixCount..<elements.count {
                if !descend(node, elements[index], at: .index(index), keyword: "items") {
                    valid = false
                    if !collecting { break }
                }
            }
            return valid
        case .contains(let node, let minimum, let maximum, let explicitMinimum):
            return checkContains(node, minimum: minimum, maximum: maximum, explicitMinimum: explicitMinimum, elements, annotations: &annotations)
        case .unevaluatedItems(let node):
            var valid = true
            for index in elements.indices where !annotations.hasEvaluated(item: index) {
                if !descend(node, elements[index], at: .index(index), keyword: "unevaluatedItems") {
                    valid = false
                    if !collecting { break }
                }
            }
            annotations.allItems = true
            return valid
        default:
            return true
        }
    }

    /// Reports the first pair of equal items. Equality is JSON's: `1` equals `1.0`, objects are
    /// equal whatever their member order, `true` is not `1`.
    private mutating func checkUniqueItems(_ elements: [JSONValue]) -> Bool {
        guard elements.count > 1 else { return true }
        // Hashing groups candidates (canonically equal strings hash alike); code-point equality decides.
        var seen: [JSONValue: [Int]] = [:]
        seen.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            if let earlier = seen[element]?.first(where: { elements[$0].isSchemaEqual(to: element) }) {
                return fail("uniqueItems", "items \(earlier) and \(index) are equal, but uniqueItems requires every item to be different")
            }
            seen[element, default: []].append(index)
        }
        return true
    }

    /// Counts the items that match `contains` (always checked quietly: a non-matching item is
    /// not an error in itself) and compares the count with `minContains`/`maxContains`.
    private mutating func checkContains(
        _ node: Int, minimum: Int, maximum: Int?, explicitMinimum: Bool, _ elements: [JSONValue],
        annotations: inout Annotations
    ) -> Bool {
        let wasCollecting = collecting
        collecting = false
        var matches = 0
        for (index, element) in elements.enumerated() {
            guard descend(node, element, at: .index(index), keyword: "contains") else { continue }
            matches += 1
            if program.tracksAnnotations {
                annotations.items.insert(index)
            } else if maximum == nil && matches >= minimum {
                break
            }
        }
        collecting = wasCollecting
        if matches < minimum {
            let keyword = explicitMinimum ? "minContains" : "contains"
            if minimum == 1 {
                return fail(keyword, "expected at least one item to match the contains schema, found none")
            }
            return fail(keyword, "expected at least \(ValueDescription.count(minimum, "item")) to match the contains schema, found \(matches)")
        }
        if let maximum, matches > maximum {
            return fail("maxContains", "expected at most \(ValueDescription.count(maximum, "item")) to match the contains schema, found \(matches)")
        }
        return true
    }
}
