import BatonExpressions

extension WorkflowInstance {
    /// The document expressions of the root read: `{ "input", "steps": { "<id>": { status, output,
    /// error, attempt, startedAt, completedAt } }, "vars" }`. Its shape is a public contract of
    /// definitions.
    public var stateDocument: JSONValue { stateDocument(in: Execution.rootId) }

    /// The document expressions of execution `executionId` read: the steps of the execution and
    /// of every execution above it (the nearest wins, so a branch sees the steps before its
    /// parallel step and its own), `vars`, and the execution's scope values (`item`, `index`).
    public func stateDocument(in executionId: String) -> JSONValue {
        var chain: [Execution] = []
        var next: String? = executionId
        while let id = next, let execution = executions[id] {
            chain.append(execution)
            next = execution.parentId
        }
        var stepMembers: [String: JSONValue] = [:]
        stepMembers.reserveCapacity(chain.reduce(0) { $0 + $1.steps.count })
        var document: [String: JSONValue] = [:]
        for execution in chain.reversed() {
            for (id, step) in execution.steps { stepMembers[id] = step.json }
            for (name, value) in execution.scope { document[name] = value }
        }
        document["input"] = input
        document["steps"] = .object(stepMembers)
        document["vars"] = .object(vars)
        return .object(document)
    }
}

extension StepState {
    /// The step as `$.steps.<id>` shows it.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "status": .string(status.rawValue),
            "attempt": .number(Double(attempt)),
            "startedAt": .string(startedAt.iso8601),
            "output": output ?? .null,
            "error": error?.json ?? .null,
            "completedAt": completedAt.map { .string($0.iso8601) } ?? .null,
        ]
        if executions != 1 { o["executions"] = .number(Double(executions)) }
        if let taskId { o["taskId"] = .string(taskId) }
        return .object(o)
    }
}
