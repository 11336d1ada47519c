#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A POSIX thread that runs one blocking loop, so blocking librdkafka and socket calls never
/// occupy a thread of Swift's cooperative pool.
///
/// Unlike Foundation's `Thread`, a pthread can be joined: owners use ``join()`` to know that the
/// loop has returned before they free what it uses.
final class DedicatedThread: Sendable {
    private let thread: pthread_t
    private let joined = Mutex(false)
    /// Set by the thread as its loop returns, so owners can wait for it with a time limit.
    private let finished: ConditionLock<Bool>

    /// Starts `body` on a new thread named `name` (the first 15 bytes are visible in `top -H`).
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let finished = ConditionLock(false)
        self.finished = finished
        let start = Unmanaged.passRetained(ThreadStart(name: name, body: {
            body()
            finished.withLock { $0 = true }
        })).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<ThreadStart>.fromOpaque(argument!).takeRetainedValue()
            setCurrentThreadName(start.name)
            start.body()
            return nil
        }, start)
        // Running out of threads is not recoverable for a client that needs its poll loop.
        precondition(rc == 0, "pthread_create failed with \(rc)")
        self.thread = thread
    }

    /// Waits for the loop to return. Idempotent; concurrent callers all wait. Never call it from
    /// the thread itself.
    func join() {
        joined.withLock { joined in
            guard !joined else { return }
            precondition(pthread_equal(thread, pthread_self()) == 0, "a thread cannot join itself")
            pthread_join(thread, nil)
            joined = true
        }
    }

    /// Like ``join()``, but gives up after `timeout` and returns false, leaving the thread running
    /// (detached once this object is freed). For loops that end in a librdkafka call which can
    /// block for good: 2.0.2's `rd_kafka_consumer_close` never returns when the group coordinator
    /// has gone away for good (librdkafka issue #4519). A caller that must not hang (a `deinit` that runs
    /// on the cooperative pool, a shutdown) gives up instead of waiting forever.
    func join(timeout: Duration) -> Bool {
        guard finished.wait(timeout: timeout, { $0 ? true : nil }) == true else { return false }
        join()
        return true
    }

    /// True when called on this thread (used to avoid self-joins during teardown).
    var isCurrent: Bool { pthread_equal(thread, pthread_self()) != 0 }

    deinit {
        // A thread that was never joined must not stay joinable forever (it would leak its stack).
        joined.withLock { joined in
            if !joined { pthread_detach(thread) }
        }
    }
}

private final class ThreadStart: Sendable {
    let name: String
    let body: @Sendable () -> Void
    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}

/// `pthread_setname_np` is a GNU extension that Swift's Glibc module does not export; look it up
/// at run time (it has a fixed, non-variadic signature) and skip naming if it is missing.
private func setCurrentThreadName(_ name: String) {
    typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    guard let symbol = dlsym(nil, "pthread_setname_np") else { return }
    let setName = unsafeBitCast(symbol, to: SetName.self)
    _ = setName(pthread_self(), String(decoding: name.utf8.prefix(15), as: UTF8.self))
}
