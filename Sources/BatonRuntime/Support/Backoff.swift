/// The delay between retries of a failing dependency (store, broker): 50 ms, doubling up to a
/// cap, back to 50 ms at the first success — so a store or cluster that is down costs a few
/// calls a second instead of a hot loop, and one that is back is used at once.
struct Backoff: CustomStringConvertible {
    let initial: Duration
    let maximum: Duration
    private(set) var current: Duration

    init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    mutating func succeeded() { current = initial }

    /// Sleeps the current delay (cut short by cancellation) and doubles it, up to the cap.
    mutating func pause() async {
        try? await Task.sleep(for: current)
        current = min(current * 2, maximum)
    }

    var description: String { current.description }
}
