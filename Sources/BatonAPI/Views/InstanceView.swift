import BatonCore
import BatonExpressions

/// An instance as the API shows it (schema `Instance` in `schemas/openapi.yaml`).
///
/// Not the stored form (`WorkflowInstance.json`): bookkeeping such as `taskSequence` stays
/// internal, the state document appears exactly as expressions see it, and in-flight tasks are
/// listed as `currentSteps`, oldest first. Optional members are always present (null when
/// absent) so clients can rely on one shape.
enum InstanceView {
    static func render(_ instance: WorkflowInstance) -> JSONValue {
        let current = instance.activeTasks.values.sorted {
            ($0.scheduledAt, $0.taskId) < ($1.scheduledAt, $1.taskId)
        }
        return [
            "id": .string(instance.id),
            "workflowId": .string(instance.workflowId),
            "workflowVersion": .number(Double(instance.workflowVersion)),
            "status": .string(instance.status.rawValue),
            "input": instance.input,
            "output": instance.output ?? .null,
            "error": instance.error?.json ?? .null,
            "state": instance.stateDocument,
            "currentSteps": .array(current.map(currentStep)),
            "executions": .array(instance.executions.keys.sorted(by: executionOrder).map { execution(instance.executions[$0]!) }),
            "businessKey": instance.businessKey.map(JSONValue.string) ?? .null,
            "traceparent": .string(instance.effectiveTrace.traceparent(spanId: TraceContext.workflowSpan(instance.id))),
            "parent": instance.parent.map(parent) ?? .null,
            "children": .array(children(of: instance)),
            "createdAt": .string(instance.createdAt.iso8601),
            "updatedAt": .string(instance.updatedAt.iso8601),
            "completedAt": timestamp(instance.completedAt),
            "origin": instance.origin.map(JSONValue.string) ?? .null,
        ]
    }

    static func currentStep(_ task: ActiveTask) -> JSONValue {
        [
            "stepId": .string(task.stepId),
            "executionId": .string(task.executionId),
            "taskId": .string(task.taskId),
            "attempt": .number(Double(task.attempt)),
            "scheduledAt": .string(task.scheduledAt.iso8601),
            "deadline": timestamp(task.deadline),
            "lastHeartbeatAt": timestamp(task.lastHeartbeatAt),
            "progress": task.progress ?? .null,
        ]
    }

    static func parent(_ link: ParentLink) -> JSONValue {
        [
            "instanceId": .string(link.instanceId), "executionId": .string(link.executionId), "stepId": .string(link.stepId),
            "depth": .number(Double(link.depth)),
        ]
    }

    /// The child of each `subworkflow` step the instance's executions hold, by execution and step.
    static func children(of instance: WorkflowInstance) -> [JSONValue] {
        var children: [JSONValue] = []
        for executionId in instance.executions.keys.sorted(by: executionOrder) {
            let steps = instance.executions[executionId]!.steps
            for stepId in steps.keys.sorted() {
                guard let step = steps[stepId], let childId = step.childId else { continue }
                children.append([
                    "instanceId": .string(childId), "stepId": .string(stepId), "executionId": .string(executionId),
                    "attempt": .number(Double(step.attempt)), "stepStatus": .string(step.status.rawValue),
                ])
            }
        }
        return children
    }

    /// The root first, then by id, so a parent comes before its children.
    static func executionOrder(_ a: String, _ b: String) -> Bool {
        (a == Execution.rootId ? 0 : 1, a) < (b == Execution.rootId ? 0 : 1, b)
    }

    /// One path of control: where it is and, for its foreach steps, how far their items got.
    /// Ended foreach items are not executions any more; their counts are in `foreach`.
    static func execution(_ execution: Execution) -> JSONValue {
        let foreach: [JSONValue] = execution.foreach.keys.sorted().map { stepId in
            let state = execution.foreach[stepId]!
            return [
                "stepId": .string(stepId), "total": .number(Double(state.total)), "started": .number(Double(state.nextIndex)),
                "running": .number(Double(state.running)), "completed": .number(Double(state.completed)), "failed": .number(Double(state.failed)),
            ]
        }
        return [
            "id": .string(execution.id),
            "parentId": execution.parentId.map(JSONValue.string) ?? .null,
            "parentStepId": execution.parentStepId.map(JSONValue.string) ?? .null,
            "status": .string(execution.status.rawValue),
            "lastStepId": execution.lastStepId.map(JSONValue.string) ?? .null,
            "startedAt": .string(execution.startedAt.iso8601),
            "completedAt": timestamp(execution.completedAt),
            "foreach": .array(foreach),
        ]
    }

    static func timestamp(_ time: Timestamp?) -> JSONValue {
        time.map { .string($0.iso8601) } ?? .null
    }

    /// Where the instance lives, for `Location`.
    static func location(id: String) -> String {
        "/v1/instances/\(PercentEncoding.encodePathSegment(id))"
    }
}
