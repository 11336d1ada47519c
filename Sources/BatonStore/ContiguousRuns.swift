/// Sorted, deduplicated sequences as closed ranges of consecutive values: the SQL backends
/// delete published outbox rows one range at a time.
package func contiguousRuns(_ sequences: [Int64]) -> [ClosedRange<Int64>] {
    var runs: [ClosedRange<Int64>] = []
    for sequence in sequences.sorted() {
        if let last = runs.last, sequence <= last.upperBound + 1 {
            runs[runs.count - 1] = last.lowerBound...max(last.upperBound, sequence)
        } else {
            runs.append(sequence...sequence)
        }
    }
    return runs
}
