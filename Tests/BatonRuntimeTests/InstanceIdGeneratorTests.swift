import BatonRuntime
import Synchronization
import Testing

@Suite("Instance ids (UUID version 7)")
struct InstanceIdGeneratorTests {
    @Test func idsAreVersion7UUIDsWithTheTimestampUpFront() {
        let generator = InstanceIdGenerator(now: { 0x0190_1234_5678 })
        let id = generator.next()
        let parts = id.split(separator: "-").map(String.init)
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(parts[0] + parts[1] == "019012345678")
        #expect(parts[2].first == "7")
        #expect(["8", "9", "a", "b"].contains(parts[3].first.map(String.init) ?? ""))
        #expect(id == id.lowercased())
    }

    @Test func idsIncreaseWithinAMillisecondAndAcrossMilliseconds() {
        let clock = Mutex<UInt64>(1_800_000_000_000)
        let generator = InstanceIdGenerator(now: { clock.withLock { $0 } })
        var ids: [String] = []
        for i in 0..<10_000 {
            if i % 3000 == 0 { clock.withLock { $0 += 1 } }
            ids.append(generator.next())
        }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
    }

    @Test func aClockThatStepsBackDoesNotMakeIdsGoBack() {
        let clock = Mutex<UInt64>(1_800_000_000_000)
        let generator = InstanceIdGenerator(now: { clock.withLock { $0 } })
        let before = generator.next()
        clock.withLock { $0 -= 5000 }
        #expect(generator.next() > before)
    }
}
