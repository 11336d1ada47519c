import BatonCore
import BatonExpressions

/// Fixed times so expected transitions can be written out exactly.
let t0 = Timestamp(milliseconds: 1_800_000_000_000)
let t1 = t0.adding(milliseconds: 1_000)
let t2 = t0.adding(milliseconds: 2_000)
let t3 = t0.adding(milliseconds: 3_000)

func compile(_ yaml: String, version: Int = 1) throws -> WorkflowDefinition {
    try DefinitionCompiler.compile(text: yaml, version: version)
}

extension Transition {
    var dispatches: [TaskDispatch] {
        effects.compactMap { if case .dispatchTask(let d) = $0 { return d } else { return nil } }
    }

    var lifecycleTypes: [LifecycleEventType] {
        effects.compactMap { if case .emitLifecycle(let e) = $0 { return e.type } else { return nil } }
    }

    var historyTypes: [HistoryEventType] { history.map(\.type) }
}

func completed(_ task: TaskDispatch, output: JSONValue = [:]) -> TaskResult {
    TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: output)
}

func failed(_ task: TaskDispatch, code: String = "BOOM", message: String = "it broke") -> TaskResult {
    TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed, error: ErrorInfo(code: code, message: message, retryable: false))
}

let twoTasks = """
    id: two-tasks
    steps:
      - id: first
        type: task
        taskType: work.first
        input:
          name: "${ $.input.name }"
          greeting: "Hello, ${ $.input.name }!"
        next: second
      - id: second
        type: task
        taskType: work.second
        input: "${ $.steps.first.output }"
    output:
      result: "${ $.steps.second.output.value }"
    """
