#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import BatonKafka

@Suite("Blocking calls off the cooperative pool")
struct DedicatedThreadTests {
    /// Eight blocking 200 ms waits at once: on the cooperative pool (as many threads as cores)
    /// they would queue for at least 800 ms on two cores; each on its own thread they overlap.
    @Test func blockingWorkRunsOnThreadsOfItsOwnAndOverlaps() async {
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: Int.self) { group in
            for index in 0..<8 {
                group.addTask {
                    await withDedicatedThread("blocking-\(index)") {
                        usleep(200_000)
                        return index
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let took = ContinuousClock.now - start
        #expect(results.sorted() == Array(0..<8))
        #expect(took < .milliseconds(700), "took \(took)")
    }
}
