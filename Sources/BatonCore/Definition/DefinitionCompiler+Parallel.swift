import BatonExpressions

extension Context {
    /// `branches: [{name, steps: [...]}, …]` and `join: all | any | <n>`.
    mutating func compileParallel(_ object: [String: JSONValue], at pointer: String, step stepId: String) -> ParallelStep? {
        var branches: [ParallelStep.Branch] = []
        var names: Set<String> = []
        switch object["branches"] {
        case .array(let elements)? where !elements.isEmpty:
            for (index, element) in elements.enumerated() {
                let p = pointer + "/branches/\(index)"
                guard case .object(let branch) = element else {
                    issue(p, "a branch must be an object with 'name' and 'steps'", step: stepId)
                    continue
                }
                checkKeys(branch, allowed: ["name", "steps", "description"], at: p, step: stepId)
                guard let name = requiredString(branch, "name", at: p, step: stepId) else { continue }
                if !DefinitionCompiler.isValidIdentifier(name) {
                    issue(p + "/name", "'\(name)' is not a valid branch name: use 1–128 letters, digits, '.', '_' or '-'", step: stepId)
                }
                if !names.insert(name).inserted { issue(p + "/name", "duplicate branch name '\(name)'", step: stepId) }
                guard case .array(let steps)? = branch["steps"], !steps.isEmpty else {
                    issue(p + "/steps", "branch '\(name)' needs a non-empty 'steps' array", step: stepId)
                    continue
                }
                let ids = collect(steps, at: p + "/steps", container: "\(stepId)/\(name)")
                if let first = ids.first { branches.append(ParallelStep.Branch(name: name, startAt: first)) }
            }
        default:
            issue(pointer + "/branches", "a parallel step needs a non-empty 'branches' array of {name, steps}", step: stepId)
        }
        var join = ParallelStep.Join.all
        switch object["join"] {
        case nil, .null?, .string("all")?: break
        case .string("any")?: join = .any
        case .number(let n)? where n >= 1 && n.rounded() == n:
            if Int(n) > max(branches.count, 1) {
                issue(pointer + "/join", "'join' asks for \(Int(n)) branches but the step has \(branches.count)", step: stepId)
            }
            join = .count(Int(n))
        case let other?:
            issue(pointer + "/join", "'join' must be \"all\", \"any\" or a whole number of branches, found \(other.serialized())", step: stepId)
        }
        return ParallelStep(branches: branches, join: join)
    }
}

extension Context {
    /// `items: ${ … }`, `steps: [...]`, `maxConcurrency`, `toleratedFailures: n | "p%"`.
    mutating func compileForeach(_ object: [String: JSONValue], at pointer: String, step stepId: String) -> ForeachStep? {
        let items: JSONTemplate?
        if let value = object["items"] {
            items = template(value, at: pointer + "/items", step: stepId)
        } else {
            issue(pointer + "/items", "a foreach step needs 'items': an expression giving the array to iterate, e.g. \"${ $.input.orders }\"", step: stepId)
            items = nil
        }
        var startAt: String?
        switch object["steps"] {
        case .array(let steps)? where !steps.isEmpty:
            startAt = collect(steps, at: pointer + "/steps", container: "\(stepId)[]").first
        default:
            issue(pointer + "/steps", "a foreach step needs a non-empty 'steps' array, run for every item", step: stepId)
        }
        var maxConcurrency = ForeachStep.defaultMaxConcurrency
        switch object["maxConcurrency"] {
        case nil, .null?: break
        case .number(let n)? where n >= 1 && n <= Double(ForeachStep.maxConcurrencyLimit) && n.rounded() == n: maxConcurrency = Int(n)
        case let other?:
            issue(pointer + "/maxConcurrency", "'maxConcurrency' must be a whole number from 1 to \(ForeachStep.maxConcurrencyLimit), found \(other.serialized())", step: stepId)
        }
        var tolerance = ForeachStep.Tolerance.count(0)
        switch object["toleratedFailures"] {
        case nil, .null?: break
        case .number(let n)? where n >= 0 && n.rounded() == n: tolerance = .count(Int(n))
        case .string(let s)? where s.hasSuffix("%") && Double(s.dropLast()).map { $0 >= 0 && $0 <= 100 } == true:
            tolerance = .percent(Double(s.dropLast())!)
        case let other?:
            issue(pointer + "/toleratedFailures", "'toleratedFailures' must be a number of items or a percentage such as \"10%\", found \(other.serialized())", step: stepId)
        }
        guard let items, let startAt else { return nil }
        return ForeachStep(items: items, startAt: startAt, maxConcurrency: maxConcurrency, toleratedFailures: tolerance)
    }
}
