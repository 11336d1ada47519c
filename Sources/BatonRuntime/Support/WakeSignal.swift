import Synchronization

/// Wakes one waiting loop early: the outbox relay sleeps until a commit signals it or its idle
/// interval passes, so idle Baton costs nothing and busy Baton publishes without polling delay.
/// The timer service sleeps on one that the commit path signals when a batch sets timers.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or makes the next `wait` return at once.
    public func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when signalled, after `timeout`, or when the task is cancelled.
    public func wait(timeout: Duration) async {
        if state.withLock({ s in
            let was = s.pending
            s.pending = false
            return was
        }) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = self.state.withLock { s -> Bool in
                            if s.pending {
                                s.pending = false
                                return true
                            }
                            s.waiter = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.signal()
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
            }
            await group.next()
            group.cancelAll()
        }
        // A cancelled waiter may have left a pending flag behind; an extra wake-up is harmless.
    }
}
