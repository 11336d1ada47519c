/// Runs `body`, a blocking call (closing a consumer, flushing a producer), on a thread of its own
/// and resumes the caller when it returns.
///
/// The wait then never holds a thread of Swift's cooperative pool, which has as many threads as
/// cores (two on the machines Baton is measured on): a close that waits for a LeaveGroup round
/// trip, or gives up after its timeout, would otherwise stall every task of the process meanwhile.
public func withDedicatedThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        // Not joined: the thread ends with `body`, and an unjoined `DedicatedThread` detaches.
        _ = DedicatedThread(name: name) { continuation.resume(returning: body()) }
    }
}
