import BatonExpressions

/// An instance view (`GET /v1/instances/{id}`) as a tree for a terminal: each execution under its
/// parent, a parallel step's branches and a foreach step's item counts, so an operator sees where
/// a big fan-out stands. `baton get` prints it.
public enum InstanceTree {
    /// Running items listed under a foreach step before the rest are summed up.
    static let itemsShown = 5

    public static func render(_ view: JSONValue) -> String {
        var lines = ["\(view["id"]?.stringValue ?? "?")  \(view["workflowId"]?.stringValue ?? "?") v\(view["workflowVersion"]?.intValue ?? 0)  \(view["status"]?.stringValue ?? "?")"]
        if let error = view["error"], error != .null {
            lines.append("  error: \(error["code"]?.stringValue ?? "?"): \(error["message"]?.stringValue ?? "")")
        }
        if let parent = view["parent"], parent != .null {
            lines.append("  parent: \(parent["instanceId"]?.stringValue ?? "?") (step \(parent["stepId"]?.stringValue ?? "?"))")
        }
        let executions = view["executions"]?.arrayValue ?? []
        let subworkflows = Dictionary(grouping: (view["children"]?.arrayValue ?? []).filter { $0["stepStatus"]?.stringValue == "RUNNING" }, by: { $0["executionId"]?.stringValue ?? "root" })
        var children: [String: [JSONValue]] = [:]
        for execution in executions {
            if let parent = execution["parentId"]?.stringValue { children[parent, default: []].append(execution) }
        }
        let tasks = Dictionary(grouping: view["currentSteps"]?.arrayValue ?? [], by: { $0["executionId"]?.stringValue ?? "root" })
        func describe(_ execution: JSONValue) -> String {
            let id = execution["id"]?.stringValue ?? "?"
            var text = "\(id)  \(execution["status"]?.stringValue ?? "?")"
            let running = (tasks[id] ?? []).map { "\($0["stepId"]?.stringValue ?? "?") (task \($0["taskId"]?.stringValue ?? "?"), attempt \($0["attempt"]?.intValue ?? 1))" }
                + (subworkflows[id] ?? []).map { "\($0["stepId"]?.stringValue ?? "?") (child \($0["instanceId"]?.stringValue ?? "?"), attempt \($0["attempt"]?.intValue ?? 1))" }
            if !running.isEmpty { text += "  at " + running.joined(separator: ", ") }
            return text
        }
        func walk(_ execution: JSONValue, indent: String) {
            let id = execution["id"]?.stringValue ?? "?"
            let kids = children[id] ?? []
            // Group children by the step that started them: a parallel's branches, a foreach's items.
            var byStep: [(step: String, executions: [JSONValue])] = []
            for kid in kids {
                let step = kid["parentStepId"]?.stringValue ?? "?"
                if let index = byStep.firstIndex(where: { $0.step == step }) { byStep[index].executions.append(kid) } else { byStep.append((step, [kid])) }
            }
            let foreach = execution["foreach"]?.arrayValue ?? []
            for state in foreach where !byStep.contains(where: { $0.step == state["stepId"]?.stringValue }) {
                byStep.append((state["stepId"]?.stringValue ?? "?", []))
            }
            for (groupIndex, group) in byStep.enumerated() {
                let lastGroup = groupIndex == byStep.count - 1
                let counts: String
                if let state = foreach.first(where: { $0["stepId"]?.stringValue == group.step }) {
                    let total = state["total"]?.intValue ?? 0
                    let started = state["started"]?.intValue ?? 0
                    counts = "foreach: \(total) items, \(state["running"]?.intValue ?? 0) running, \(state["completed"]?.intValue ?? 0) completed, \(state["failed"]?.intValue ?? 0) failed, \(total - started) waiting"
                } else {
                    let statuses = Dictionary(grouping: group.executions, by: { $0["status"]?.stringValue ?? "?" }).mapValues(\.count)
                    counts = "parallel: " + statuses.keys.sorted().map { "\(statuses[$0]!) \($0.lowercased())" }.joined(separator: ", ")
                }
                lines.append(indent + (lastGroup ? "└─ " : "├─ ") + "\(group.step)  \(counts)")
                let inner = indent + (lastGroup ? "   " : "│  ")
                let isForeach = foreach.contains { $0["stepId"]?.stringValue == group.step }
                let shown = isForeach ? Array(group.executions.prefix(itemsShown)) : group.executions
                for (index, child) in shown.enumerated() {
                    let last = index == shown.count - 1 && shown.count == group.executions.count
                    lines.append(inner + (last ? "└─ " : "├─ ") + describe(child))
                    walk(child, indent: inner + (last ? "   " : "│  "))
                }
                if shown.count < group.executions.count {
                    lines.append(inner + "└─ … \(group.executions.count - shown.count) more running")
                }
            }
        }
        if let root = executions.first(where: { $0["id"]?.stringValue == "root" }) {
            lines.append("└─ " + describe(root))
            walk(root, indent: "   ")
        }
        return lines.joined(separator: "\n")
    }
}
