import BatonExpressions

/// Where a running `foreach` step stands, kept by the execution that runs the step.
///
/// Sized for large fan-outs: only running items are executions; an item that ended leaves
/// nothing but its output, in `outputs`. Items and outputs are held in fixed-size chunks with a
/// revision each, so one result changes one small chunk (copying it, not the whole array) and a
/// store can write just the chunks whose revision moved: the cost of a result does not grow with
/// the number of items.
public struct ForeachState: Sendable, Hashable {
    public var total: Int
    /// The next item to start; items start in index order.
    public var nextIndex: Int
    public var running: Int
    public var completed: Int
    public var failed: Int
    public var items: ChunkedValues
    public var outputs: ChunkedValues

    public init(total: Int, nextIndex: Int = 0, running: Int = 0, completed: Int = 0, failed: Int = 0, items: ChunkedValues, outputs: ChunkedValues) {
        self.total = total
        self.nextIndex = nextIndex
        self.running = running
        self.completed = completed
        self.failed = failed
        self.items = items
        self.outputs = outputs
    }

    public var isFinished: Bool { completed + failed == total }
}

/// An array held as chunks of `chunkSize` values, each with a revision bumped when it changes.
public struct ChunkedValues: Sendable, Hashable {
    public static let chunkSize = 256

    public struct Chunk: Sendable, Hashable {
        public var revision: Int
        public var values: [JSONValue]

        public init(revision: Int, values: [JSONValue]) {
            self.revision = revision
            self.values = values
        }
    }

    public var count: Int
    /// By chunk number (index / chunkSize).
    public var chunks: [Int: Chunk]

    public init(count: Int, chunks: [Int: Chunk]) {
        self.count = count
        self.chunks = chunks
    }

    /// `values` split into chunks, all at revision 1.
    public init(_ values: [JSONValue]) {
        var chunks: [Int: Chunk] = [:]
        var start = 0
        while start < values.count {
            let end = min(start + Self.chunkSize, values.count)
            chunks[start / Self.chunkSize] = Chunk(revision: 1, values: Array(values[start..<end]))
            start = end
        }
        self.init(count: values.count, chunks: chunks)
    }

    /// `count` nulls.
    public static func nulls(_ count: Int) -> ChunkedValues {
        ChunkedValues(Array(repeating: .null, count: count))
    }

    public subscript(index: Int) -> JSONValue {
        get { chunks[index / Self.chunkSize]?.values[index % Self.chunkSize] ?? .null }
        set {
            let chunk = index / Self.chunkSize
            chunks[chunk]?.values[index % Self.chunkSize] = newValue
            chunks[chunk]?.revision += 1
        }
    }

    /// Every value in order (built once, when the step ends).
    public var array: [JSONValue] {
        var result: [JSONValue] = []
        result.reserveCapacity(count)
        for chunk in chunks.keys.sorted() { result.append(contentsOf: chunks[chunk]!.values) }
        return result
    }
}
