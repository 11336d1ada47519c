/// One dedicated thread that runs blocking jobs in submission order.
///
/// Synchronous offset commits go through it: they block for a broker round trip, must not run
/// on the cooperative pool, and must reach the broker in the order Baton issued them.
final class SerialBlockingWorker: Sendable {
    typealias Job = @Sendable () -> Void

    private struct State {
        var jobs: [Job] = []
        var next = 0
        var isStopping = false
    }

    private enum Step {
        case run(Job)
        case stop
    }

    private let state = ConditionLock(State())
    private let thread: DedicatedThread

    init(name: String) {
        let state = self.state
        thread = DedicatedThread(name: name) {
            while true {
                let step: Step? = state.wait(timeout: .seconds(60)) { state in
                    if state.next < state.jobs.count {
                        let job = state.jobs[state.next]
                        state.next += 1
                        if state.next == state.jobs.count {
                            state.jobs.removeAll(keepingCapacity: true)
                            state.next = 0
                        }
                        return .run(job)
                    }
                    return state.isStopping ? .stop : nil
                }
                switch step {
                case .run(let job): job()
                case .stop: return
                case nil: continue
                }
            }
        }
    }

    /// Queues `job`; false once ``stop()`` has been called (the job is not run).
    func submit(_ job: @escaping Job) -> Bool {
        state.withLock { state in
            guard !state.isStopping else { return false }
            state.jobs.append(job)
            return true
        }
    }

    /// Runs the jobs already queued, then ends the thread and waits for it. Idempotent.
    func stop() {
        state.withLock { $0.isStopping = true }
        thread.join()
    }

    /// Like ``stop()``, but waits at most `timeout` for the queued jobs; false when they had not
    /// finished (a commit stuck on an unreachable coordinator), leaving them to finish or not.
    func stop(timeout: Duration) -> Bool {
        state.withLock { $0.isStopping = true }
        return thread.join(timeout: timeout)
    }

    deinit {
        _ = stop(timeout: .seconds(10))
    }
}
