import BatonExpressions

/// The stored form of an instance: one JSON document, so a store can keep it in a single column
/// and the API can return it as is. Decoding is the exact inverse of `json`.
extension WorkflowInstance {
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id),
            "workflowId": .string(workflowId),
            "workflowVersion": .number(Double(workflowVersion)),
            "status": .string(status.rawValue),
            "input": input,
            "steps": .object(steps.mapValues(\.json)),
            "vars": .object(vars),
            "createdAt": .string(createdAt.iso8601),
            "updatedAt": .string(updatedAt.iso8601),
            "taskSequence": .number(Double(taskSequence)),
            "historySequence": .number(Double(historySequence)),
            "activeTasks": .array(activeTasks.keys.sorted().map { activeTasks[$0]!.json }),
        ]
        if let output { o["output"] = output }
        if let error { o["error"] = error.json }
        if let completedAt { o["completedAt"] = .string(completedAt.iso8601) }
        if let lastStepId { o["lastStepId"] = .string(lastStepId) }
        if let origin { o["origin"] = .string(origin) }
        if !timers.isEmpty { o["timers"] = .array(timers.keys.sorted().map { timers[$0]!.json }) }
        if let handlingFailure { o["handlingFailure"] = handlingFailure.json }
        if !deferred.isEmpty { o["deferred"] = .array(deferred.map(\.json)) }
        return .object(o)
    }

    /// Decodes what `json` produced; `nil` when the document is not an instance.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let workflowId = json["workflowId"]?.stringValue,
            let version = json["workflowVersion"]?.intValue,
            let status = json["status"]?.stringValue.flatMap(InstanceStatus.init(rawValue:)),
            let createdAt = json["createdAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
            let updatedAt = json["updatedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        else { return nil }
        var steps: [String: StepState] = [:]
        for (stepId, value) in json["steps"]?.objectValue ?? [:] {
            guard let step = StepState(json: value) else { return nil }
            steps[stepId] = step
        }
        var active: [String: ActiveTask] = [:]
        for value in json["activeTasks"]?.arrayValue ?? [] {
            guard let task = ActiveTask(json: value) else { return nil }
            active[task.taskId] = task
        }
        self.init(
            id: id, workflowId: workflowId, workflowVersion: version, status: status, input: json["input"] ?? .null,
            steps: steps, vars: json["vars"]?.objectValue ?? [:], output: json["output"], error: json["error"].flatMap(ErrorInfo.init(json:)),
            activeTasks: active, createdAt: createdAt, updatedAt: updatedAt,
            completedAt: json["completedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
            taskSequence: json["taskSequence"]?.intValue ?? 0, historySequence: json["historySequence"]?.intValue ?? 0,
            lastStepId: json["lastStepId"]?.stringValue, origin: json["origin"]?.stringValue
        )
        for value in json["timers"]?.arrayValue ?? [] {
            guard let timer = InstanceTimer(json: value) else { return nil }
            timers[timer.id] = timer
        }
        handlingFailure = json["handlingFailure"].flatMap(ErrorInfo.init(json:))
        for value in json["deferred"]?.arrayValue ?? [] {
            guard let input = DeferredInput(json: value) else { return nil }
            deferred.append(input)
        }
    }
}

extension StepState {
    public init?(json: JSONValue) {
        guard let status = json["status"]?.stringValue.flatMap(StepStatus.init(rawValue:)),
            let startedAt = json["startedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        else { return nil }
        let output = json["output"]
        self.init(
            status: status, output: (output?.isNull ?? true) ? nil : output, error: json["error"].flatMap(ErrorInfo.init(json:)),
            attempt: json["attempt"]?.intValue ?? 1, executions: json["executions"]?.intValue ?? 1,
            taskId: json["taskId"]?.stringValue, startedAt: startedAt,
            completedAt: json["completedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        )
    }
}

extension ActiveTask {
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "taskId": .string(taskId), "stepId": .string(stepId), "attempt": .number(Double(attempt)),
            "scheduledAt": .string(scheduledAt.iso8601),
        ]
        if let deadline { o["deadline"] = .string(deadline.iso8601) }
        if let lastHeartbeatAt { o["lastHeartbeatAt"] = .string(lastHeartbeatAt.iso8601) }
        if let progress { o["progress"] = progress }
        return .object(o)
    }

    public init?(json: JSONValue) {
        guard let taskId = json["taskId"]?.stringValue, let stepId = json["stepId"]?.stringValue,
            let attempt = json["attempt"]?.intValue,
            let scheduledAt = json["scheduledAt"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        else { return nil }
        self.init(
            taskId: taskId, stepId: stepId, attempt: attempt, scheduledAt: scheduledAt,
            deadline: json["deadline"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
            lastHeartbeatAt: json["lastHeartbeatAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
            progress: json["progress"]
        )
    }
}
