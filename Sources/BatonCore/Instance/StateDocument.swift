import BatonExpressions

extension WorkflowInstance {
    /// The document expressions read: `{ "input", "steps": { "<id>": { status, output, error, attempt,
    /// startedAt, completedAt } }, "vars" }`. Its shape is a public contract of definitions.
    public var stateDocument: JSONValue {
        var stepMembers: [String: JSONValue] = [:]
        stepMembers.reserveCapacity(steps.count)
        for (id, step) in steps { stepMembers[id] = step.json }
        return .object(["input": input, "steps": .object(stepMembers), "vars": .object(vars)])
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
