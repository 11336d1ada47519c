import Testing

@testable import BatonKafka

@Suite("Blocking calls off the cooperative pool")
struct DedicatedThreadTests {
    /// Eight blocking calls that each wait until all eight are blocked at once: possible only if
    /// each has a thread of its own (the cooperative pool has as many threads as cores, and the
    /// other suites use it meanwhile), so a helper that ran them on the pool would time out here.
    @Test(.timeLimit(.minutes(1)))
    func blockingWorkRunsOnThreadsOfItsOwn() async {
        let arrived = ConditionLock(0)
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    await withDedicatedThread("blocking-\(index)") {
                        arrived.withLock { $0 += 1 }
                        return arrived.wait(timeout: .seconds(20)) { $0 == 8 ? true : nil } ?? false
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
    }
}
