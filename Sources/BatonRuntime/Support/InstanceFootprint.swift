import BatonCore
import BatonExpressions

/// An estimate of the memory an instance holds, which the instance cache's byte budget counts.
///
/// It walks the values an instance carries (input, variables, step outputs and errors, scope
/// values, foreach chunks, signals) and adds a fixed cost per structure. Walking every foreach
/// chunk on every commit would make a result's cost grow with the item count, so the input is
/// measured again only when its revision moves and each chunk only when its revision moves:
/// the previous footprint of the same instance is the memo.
struct InstanceFootprint: Sendable {
    /// Bytes of the whole instance, as estimated.
    private(set) var bytes: Int
    private var input: (revision: Int, bytes: Int)
    /// By `executionId|stepId|items|chunk` (or `outputs`).
    private var chunks: [String: (revision: Int, bytes: Int)]

    /// Fixed costs: Swift's dictionary and string headers, dates and counters, rounded up.
    static let perInstance = 1_024
    static let perExecution = 256
    static let perStep = 160
    static let perTask = 160
    static let perTimer = 96
    static let perWait = 192
    static let perDeferred = 512

    init(_ instance: WorkflowInstance, previous: InstanceFootprint?) {
        var total = Self.perInstance
        if let previous, previous.input.revision == instance.inputRevision {
            input = previous.input
        } else {
            input = (instance.inputRevision, Self.bytes(of: instance.input))
        }
        total += input.bytes
        for value in instance.vars.values { total += Self.bytes(of: value) + 32 }
        if let output = instance.output { total += Self.bytes(of: output) }
        if let error = instance.error { total += Self.bytes(of: error) }
        total += instance.activeTasks.count * Self.perTask
        for task in instance.activeTasks.values { if let progress = task.progress { total += Self.bytes(of: progress) } }
        total += instance.timers.count * Self.perTimer
        total += instance.eventWaits.count * Self.perWait
        total += instance.deferred.count * Self.perDeferred
        for signal in instance.signals { total += Self.perWait + Self.bytes(of: signal.data) }
        chunks = [:]
        for execution in instance.executions.values {
            total += Self.perExecution + execution.id.utf8.count
            for value in execution.scope.values { total += Self.bytes(of: value) + 32 }
            if let output = execution.output { total += Self.bytes(of: output) }
            for step in execution.steps.values {
                total += Self.perStep
                if let output = step.output { total += Self.bytes(of: output) }
                if let error = step.error { total += Self.bytes(of: error) }
            }
            for (stepId, state) in execution.foreach {
                for (name, values) in [("items", state.items), ("outputs", state.outputs)] {
                    for (number, chunk) in values.chunks {
                        let key = "\(execution.id)|\(stepId)|\(name)|\(number)"
                        let measured: (revision: Int, bytes: Int)
                        if let known = previous?.chunks[key], known.revision == chunk.revision {
                            measured = known
                        } else {
                            measured = (chunk.revision, chunk.values.reduce(64) { $0 + Self.bytes(of: $1) })
                        }
                        chunks[key] = measured
                        total += measured.bytes
                    }
                }
            }
        }
        bytes = total
    }

    static func bytes(of error: ErrorInfo) -> Int {
        96 + error.code.utf8.count + error.message.utf8.count + (error.details.map(bytes(of:)) ?? 0)
    }

    /// Roughly what a `JSONValue` occupies: an enum payload per value, string bytes beyond the
    /// small-string size, and per-member overhead of dictionaries and arrays.
    static func bytes(of value: JSONValue) -> Int {
        switch value {
        case .null, .bool, .number: return 16
        case .string(let s): return s.utf8.count > 15 ? 32 + s.utf8.count : 16
        case .array(let elements): return elements.reduce(32) { $0 + bytes(of: $1) }
        case .object(let members): return members.reduce(48) { $0 + 40 + $1.key.utf8.count + bytes(of: $1.value) }
        }
    }
}
