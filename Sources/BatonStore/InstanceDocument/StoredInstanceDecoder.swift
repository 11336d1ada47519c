import BatonCore
import BatonExpressions

/// Reads the stored form of an instance, of the current format or any older one.
///
/// Older documents are upgraded as they are read (and rewritten in the current format the next
/// time the instance changes), so a store never needs an offline migration of its instances.
/// Format 1 documents (written before executions existed) become an instance whose root execution
/// holds their steps; their timers and tasks belong to the root.
public enum StoredInstanceDecoder {
    /// Why a document is not an instance: the member at fault, for the operator restoring it.
    public struct Failure: Error, Sendable, Hashable {
        public var message: String
    }

    /// - Parameter parts: the instance's parts (`StoredPart`) by key, as JSON arrays.
    public static func decode(_ json: JSONValue, parts: [String: JSONValue] = [:]) throws(Failure) -> WorkflowInstance {
        let format = json["formatVersion"]?.intValue ?? 1
        guard format >= 1, format <= StoredInstanceEncoder.formatVersion else {
            throw Failure(message: "stored format \(format) is newer than this Baton reads (\(StoredInstanceEncoder.formatVersion)): run the newer version")
        }
        guard let id = json["id"]?.stringValue else { throw Failure(message: "no 'id'") }
        guard let workflowId = json["workflowId"]?.stringValue, let version = json["workflowVersion"]?.intValue else {
            throw Failure(message: "no 'workflowId' or 'workflowVersion'")
        }
        guard let status = json["status"]?.stringValue.flatMap(InstanceStatus.init(rawValue:)) else { throw Failure(message: "no valid 'status'") }
        let createdAt = try timestamp(json, "createdAt")
        let updatedAt = try timestamp(json, "updatedAt")

        var executions: [String: Execution] = [:]
        if format == 1 {
            // Format 1: the instance's steps are the root's.
            var root = Execution(id: Execution.rootId, status: rootStatus(status), startedAt: createdAt)
            root.steps = try steps(json["steps"])
            root.lastStepId = json["lastStepId"]?.stringValue
            root.handlingFailure = json["handlingFailure"].flatMap(ErrorInfo.init(json:))
            if status.isTerminal { root.completedAt = json["completedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)) }
            if status == .failed { root.error = json["error"].flatMap(ErrorInfo.init(json:)) }
            if status == .completed { root.output = json["output"] }
            executions[Execution.rootId] = root
        } else {
            for (executionId, value) in json["executions"]?.objectValue ?? [:] {
                executions[executionId] = try execution(executionId, value, parts: parts)
            }
            guard executions[Execution.rootId] != nil else { throw Failure(message: "no root execution") }
        }
        var active: [String: ActiveTask] = [:]
        for value in json["activeTasks"]?.arrayValue ?? [] {
            let task = try activeTask(value)
            active[task.taskId] = task
        }
        var input = json["input"] ?? .null
        var inputRevision = json["inputRevision"]?.intValue ?? 1
        if let revision = json["inputPart"]?.intValue {
            guard case .array(let wrapped)? = parts[StoredPart.inputKey], let value = wrapped.first else { throw Failure(message: "its input part is missing") }
            input = value
            inputRevision = revision
        }
        var instance = WorkflowInstance(
            id: id, workflowId: workflowId, workflowVersion: version, status: status, input: input,
            executions: executions, vars: json["vars"]?.objectValue ?? [:], output: json["output"],
            error: json["error"].flatMap(ErrorInfo.init(json:)), activeTasks: active, createdAt: createdAt, updatedAt: updatedAt,
            completedAt: json["completedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
            taskSequence: json["taskSequence"]?.intValue ?? 0, historySequence: json["historySequence"]?.intValue ?? 0,
            origin: json["origin"]?.stringValue
        )
        instance.inputRevision = inputRevision
        instance.stepsRun = json["stepsRun"]?.intValue ?? 0
        if let parent = json["parent"] { instance.parent = try self.parent(parent) }
        instance.businessKey = json["businessKey"]?.stringValue
        if let trace = json["trace"], let traceId = trace["traceId"]?.stringValue {
            instance.trace = TraceContext(
                traceId: traceId, parentId: trace["parentId"]?.stringValue, sampled: trace["sampled"]?.boolValue ?? true, state: trace["state"]?.stringValue)
        }
        for value in json["eventWaits"]?.arrayValue ?? [] {
            guard let id = value["id"]?.stringValue, let event = value["event"]?.stringValue, let executionId = value["executionId"]?.stringValue,
                let stepId = value["stepId"]?.stringValue, let execution = value["execution"]?.intValue
            else { throw Failure(message: "an event wait is incomplete") }
            instance.eventWaits[id] = EventWait(
                id: id, event: event, eventKeySource: value["eventKey"]?.stringValue, correlationKey: value["correlationKey"]?.stringValue,
                executionId: executionId, stepId: stepId, execution: execution
            )
        }
        for value in json["signals"]?.arrayValue ?? [] {
            guard let name = value["name"]?.stringValue, let by = value["by"]?.stringValue else { throw Failure(message: "a kept signal is incomplete") }
            instance.signals.append(BufferedSignal(name: name, data: value["data"] ?? .null, receivedAt: try timestamp(value, "receivedAt", of: "signal '\(name)'"), by: by))
        }
        for value in json["timers"]?.arrayValue ?? [] {
            let timer = try self.timer(value)
            instance.timers[timer.id] = timer
        }
        for value in json["deferred"]?.arrayValue ?? [] {
            instance.deferred.append(try deferred(value))
        }
        return instance
    }

    /// The root's status for an instance of a format-1 document.
    static func rootStatus(_ status: InstanceStatus) -> ExecutionStatus {
        switch status {
        case .queued, .running, .paused: .running
        case .completed: .completed
        case .failed: .failed
        case .cancelled, .timedOut: .cancelled
        }
    }

    static func execution(_ id: String, _ json: JSONValue, parts: [String: JSONValue]) throws(Failure) -> Execution {
        guard let status = json["status"]?.stringValue.flatMap(ExecutionStatus.init(rawValue:)) else {
            throw Failure(message: "execution '\(id)' has no valid 'status'")
        }
        var foreach: [String: ForeachState] = [:]
        for (stepId, value) in json["foreach"]?.objectValue ?? [:] {
            foreach[stepId] = try self.foreach(value, execution: id, step: stepId, parts: parts)
        }
        var execution = Execution(
            id: id, parentId: json["parentId"]?.stringValue, parentStepId: json["parentStepId"]?.stringValue, status: status,
            steps: try steps(json["steps"]), lastStepId: json["lastStepId"]?.stringValue,
            handlingFailure: json["handlingFailure"].flatMap(ErrorInfo.init(json:)), output: json["output"],
            error: json["error"].flatMap(ErrorInfo.init(json:)), scope: json["scope"]?.objectValue ?? [:],
            startedAt: try timestamp(json, "startedAt", of: "execution '\(id)'"),
            completedAt: json["completedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        )
        execution.foreach = foreach
        return execution
    }

    static func steps(_ json: JSONValue?) throws(Failure) -> [String: StepState] {
        var steps: [String: StepState] = [:]
        for (stepId, value) in json?.objectValue ?? [:] {
            guard let status = value["status"]?.stringValue.flatMap(StepStatus.init(rawValue:)) else {
                throw Failure(message: "step '\(stepId)' has no valid 'status'")
            }
            let output = value["output"]
            steps[stepId] = StepState(
                status: status, output: (output?.isNull ?? true) ? nil : output, error: value["error"].flatMap(ErrorInfo.init(json:)),
                attempt: value["attempt"]?.intValue ?? 1, executions: value["executions"]?.intValue ?? 1,
                taskId: value["taskId"]?.stringValue, childId: value["childId"]?.stringValue, startedAt: try timestamp(value, "startedAt", of: "step '\(stepId)'"),
                completedAt: value["completedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:))
            )
        }
        return steps
    }

    static func activeTask(_ json: JSONValue) throws(Failure) -> ActiveTask {
        guard let taskId = json["taskId"]?.stringValue, let stepId = json["stepId"]?.stringValue, let attempt = json["attempt"]?.intValue else {
            throw Failure(message: "an active task lacks 'taskId', 'stepId' or 'attempt'")
        }
        return ActiveTask(
            taskId: taskId, stepId: stepId, executionId: json["executionId"]?.stringValue ?? Execution.rootId, attempt: attempt,
            scheduledAt: try timestamp(json, "scheduledAt", of: "task '\(taskId)'"),
            deadline: json["deadline"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
            lastHeartbeatAt: json["lastHeartbeatAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)), progress: json["progress"]
        )
    }

    static func timer(_ json: JSONValue) throws(Failure) -> InstanceTimer {
        guard let id = json["id"]?.stringValue else { throw Failure(message: "a timer has no 'id'") }
        let fireAt = try timestamp(json, "fireAt", of: "timer '\(id)'")
        let executionId = json["executionId"]?.stringValue ?? Execution.rootId
        let kind: InstanceTimer.Kind
        switch json["kind"]?.stringValue {
        case "retry":
            guard let stepId = json["stepId"]?.stringValue, let attempt = json["attempt"]?.intValue else { throw Failure(message: "timer '\(id)' is incomplete") }
            kind = .retry(executionId: executionId, stepId: stepId, attempt: attempt)
        case "taskTimeout":
            guard let taskId = json["taskId"]?.stringValue else { throw Failure(message: "timer '\(id)' has no 'taskId'") }
            kind = .taskTimeout(taskId: taskId)
        case "heartbeatTimeout":
            guard let taskId = json["taskId"]?.stringValue else { throw Failure(message: "timer '\(id)' has no 'taskId'") }
            kind = .heartbeatTimeout(taskId: taskId)
        case "startTimeout":
            guard let taskId = json["taskId"]?.stringValue else { throw Failure(message: "timer '\(id)' has no 'taskId'") }
            kind = .startTimeout(taskId: taskId)
        case "wait":
            guard let stepId = json["stepId"]?.stringValue, let execution = json["execution"]?.intValue else { throw Failure(message: "timer '\(id)' is incomplete") }
            kind = .wait(executionId: executionId, stepId: stepId, execution: execution)
        case "workflowTimeout":
            kind = .workflowTimeout
        case "eventTimeout":
            guard let stepId = json["stepId"]?.stringValue, let waitId = json["waitId"]?.stringValue else { throw Failure(message: "timer '\(id)' is incomplete") }
            kind = .eventTimeout(executionId: executionId, stepId: stepId, waitId: waitId)
        case "subworkflowTimeout":
            guard let stepId = json["stepId"]?.stringValue, let childId = json["childId"]?.stringValue else { throw Failure(message: "timer '\(id)' is incomplete") }
            kind = .subworkflowTimeout(executionId: executionId, stepId: stepId, childId: childId)
        case let other:
            throw Failure(message: "timer '\(id)' has an unknown kind \(other.map { "'\($0)'" } ?? "(none)")")
        }
        return InstanceTimer(id: id, fireAt: fireAt, kind: kind)
    }

    static func deferred(_ json: JSONValue) throws(Failure) -> DeferredInput {
        switch json["input"]?.stringValue {
        case "result":
            guard let taskId = json["taskId"]?.stringValue, let instanceId = json["instanceId"]?.stringValue,
                let stepId = json["stepId"]?.stringValue, let attempt = json["attempt"]?.intValue,
                let status = json["status"]?.stringValue.flatMap(TaskResult.Status.init(rawValue:))
            else { throw Failure(message: "a deferred result is incomplete") }
            return .result(TaskResult(
                taskId: taskId, instanceId: instanceId, stepId: stepId, executionId: json["executionId"]?.stringValue, attempt: attempt,
                status: status, output: json["output"], error: json["error"].flatMap(ErrorInfo.init(json:)), workerId: json["workerId"]?.stringValue
            ))
        case "timer":
            guard let timer = json["timer"] else { throw Failure(message: "a deferred timer has no 'timer'") }
            return .timer(try self.timer(timer))
        case "event":
            guard let name = json["name"]?.stringValue, let origin = json["origin"]?.stringValue else { throw Failure(message: "a deferred event is incomplete") }
            return .event(EventDelivery(waitId: json["waitId"]?.stringValue, name: name, data: json["data"] ?? .null, origin: origin))
        case "child":
            guard let childId = json["childId"]?.stringValue, let workflowId = json["childWorkflowId"]?.stringValue, let parent = json["parent"],
                let status = json["status"]?.stringValue.flatMap(InstanceStatus.init(rawValue:))
            else { throw Failure(message: "a deferred child outcome is incomplete") }
            return .child(ChildOutcome(
                childId: childId, childWorkflowId: workflowId, parent: try self.parent(parent), status: status,
                output: json["output"], error: json["error"].flatMap(ErrorInfo.init(json:))
            ))
        default:
            throw Failure(message: "a deferred input has an unknown kind")
        }
    }

    static func parent(_ json: JSONValue) throws(Failure) -> ParentLink {
        guard let instanceId = json["instanceId"]?.stringValue, let executionId = json["executionId"]?.stringValue,
            let stepId = json["stepId"]?.stringValue, let depth = json["depth"]?.intValue
        else { throw Failure(message: "its parent link is incomplete") }
        return ParentLink(instanceId: instanceId, executionId: executionId, stepId: stepId, depth: depth)
    }

    static func timestamp(_ json: JSONValue, _ key: String, of what: String = "the instance") throws(Failure) -> Timestamp {
        guard let time = json[key]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { throw Failure(message: "\(what) has no valid '\(key)'") }
        return time
    }
}
