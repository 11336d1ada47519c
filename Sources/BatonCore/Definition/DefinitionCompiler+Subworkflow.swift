import BatonExpressions

extension Context {
    /// `workflow: <definition id>`, optional `version`, `input` and `timeout`.
    mutating func compileSubworkflow(_ object: [String: JSONValue], at pointer: String, step stepId: String) -> SubworkflowStep? {
        let workflowId = requiredString(object, "workflow", at: pointer, step: stepId)
        if let workflowId, !DefinitionCompiler.isValidIdentifier(workflowId) {
            issue(pointer + "/workflow", "'\(workflowId)' is not a valid definition id: use 1–128 letters, digits, '.', '_' or '-'", step: stepId)
        }
        var version: Int?
        switch object["version"] {
        case nil, .null?, .string("latest")?: break
        case .number(let n)? where n >= 1 && n.rounded() == n && n <= Double(Int32.max): version = Int(n)
        case let other?:
            issue(pointer + "/version", "'version' must be a definition version (1, 2, …) or \"latest\", found \(other.serialized())", step: stepId)
        }
        let input = object["input"].flatMap { template($0, at: pointer + "/input", step: stepId) }
        let timeout = object["timeout"].flatMap { duration($0, at: pointer + "/timeout", step: stepId) }
        guard let workflowId else { return nil }
        return SubworkflowStep(workflowId: workflowId, version: version, input: input, timeoutMilliseconds: timeout)
    }
}
