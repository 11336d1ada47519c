import Synchronization

/// Tells a dedicated thread's loop to keep going; shared between the loop and its owner.
final class RunFlag: Sendable {
    private let running = Atomic(true)

    var isRunning: Bool { running.load(ordering: .acquiring) }

    /// Returns true only for the first caller, so shutdown work happens once.
    @discardableResult
    func stop() -> Bool {
        running.exchange(false, ordering: .acquiringAndReleasing)
    }
}
