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
