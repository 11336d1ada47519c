import BatonCore
import BatonExpressions

/// The parts of an instance kept outside its document: the item and output chunks of `foreach`
/// steps. A store writes a part only when its revision moved, so a result of a 10,000-item
/// foreach rewrites one 256-value chunk, not 10,000 values.
public struct StoredPart: Sendable, Hashable {
    /// `<executionId>|<stepId>|items|<chunk>` or `…|outputs|<chunk>`: unique within the instance.
    public var key: String
    public var revision: Int
    public var values: [JSONValue]

    public init(key: String, revision: Int, values: [JSONValue]) {
        self.key = key
        self.revision = revision
        self.values = values
    }

    /// The part's stored bytes: its values as a JSON array.
    public var encoded: [UInt8] { JSONValue.array(values).serializedBytes(sortedKeys: false) }

    static let inputKey = "input"

    static func key(execution: String, step: String, field: String, chunk: Int) -> String {
        "\(execution)|\(step)|\(field)|\(chunk)"
    }
}

extension StoredInstanceEncoder {
    /// Every part of `instance`, with its revision.
    public static func parts(of instance: WorkflowInstance) -> [StoredPart] {
        var parts: [StoredPart] = []
        if isLarge(instance.input) { parts.append(StoredPart(key: StoredPart.inputKey, revision: instance.inputRevision, values: [instance.input])) }
        for (executionId, execution) in instance.executions {
            for (stepId, state) in execution.foreach {
                for (field, values) in [("items", state.items), ("outputs", state.outputs)] {
                    for (chunk, content) in values.chunks {
                        parts.append(StoredPart(
                            key: StoredPart.key(execution: executionId, step: stepId, field: field, chunk: chunk), revision: content.revision, values: content.values
                        ))
                    }
                }
            }
        }
        return parts
    }

    /// Inputs above this many bytes (estimated) are kept as a part.
    static let largeInputBytes = 4096

    /// Whether `value` is large enough to keep out of the document: an estimate that stops
    /// counting once past the limit, so small inputs cost a walk of a few members.
    static func isLarge(_ value: JSONValue) -> Bool {
        var budget = largeInputBytes
        func walk(_ v: JSONValue) -> Bool {
            switch v {
            case .null, .bool, .number: budget -= 8
            case .string(let s): budget -= s.utf8.count + 2
            case .array(let a):
                for e in a where walk(e) { return true }
            case .object(let o):
                for (k, e) in o {
                    budget -= k.utf8.count + 3
                    if walk(e) { return true }
                }
            }
            return budget < 0
        }
        return walk(value)
    }

    /// A foreach state in the document: counters and chunk revisions, not the values.
    static func json(_ state: ForeachState) -> JSONValue {
        func summary(_ values: ChunkedValues) -> JSONValue {
            var revisions: [String: JSONValue] = [:]
            for (chunk, content) in values.chunks { revisions[String(chunk)] = .number(Double(content.revision)) }
            return ["count": .number(Double(values.count)), "revisions": .object(revisions)]
        }
        return [
            "total": .number(Double(state.total)), "nextIndex": .number(Double(state.nextIndex)), "running": .number(Double(state.running)),
            "completed": .number(Double(state.completed)), "failed": .number(Double(state.failed)),
            "items": summary(state.items), "outputs": summary(state.outputs),
        ]
    }
}

extension StoredInstanceDecoder {
    static func foreach(_ json: JSONValue, execution: String, step: String, parts: [String: JSONValue]) throws(Failure) -> ForeachState {
        func values(_ field: String) throws(Failure) -> ChunkedValues {
            guard let summary = json[field], let count = summary["count"]?.intValue else { throw Failure(message: "foreach '\(step)' of '\(execution)' has no '\(field)'") }
            var chunks: [Int: ChunkedValues.Chunk] = [:]
            for (chunkText, revision) in summary["revisions"]?.objectValue ?? [:] {
                guard let chunk = Int(chunkText), let revision = revision.intValue else { throw Failure(message: "foreach '\(step)' has a bad chunk '\(chunkText)'") }
                let key = StoredPart.key(execution: execution, step: step, field: field, chunk: chunk)
                guard case .array(let content)? = parts[key] else { throw Failure(message: "part '\(key)' is missing") }
                chunks[chunk] = ChunkedValues.Chunk(revision: revision, values: content)
            }
            return ChunkedValues(count: count, chunks: chunks)
        }
        guard let total = json["total"]?.intValue else { throw Failure(message: "foreach '\(step)' of '\(execution)' has no 'total'") }
        return ForeachState(
            total: total, nextIndex: json["nextIndex"]?.intValue ?? 0, running: json["running"]?.intValue ?? 0,
            completed: json["completed"]?.intValue ?? 0, failed: json["failed"]?.intValue ?? 0, items: try values("items"), outputs: try values("outputs")
        )
    }
}
