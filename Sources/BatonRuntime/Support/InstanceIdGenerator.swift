import BatonCore
import Synchronization

/// Instance ids: time-ordered UUIDs (version 7, RFC 9562), lowercase.
///
/// Every table keyed by instance id (instances, history, step executions) is a B-tree. Random
/// (version 4) ids scatter each step's writes over the whole tree, so once the store outgrows
/// the page cache every commit dirties, reads and checkpoints pages far apart. Ids that grow
/// with time keep the running instances — the ones being written — in a few adjacent pages at
/// the right edge of each tree. Within one millisecond a 12-bit counter keeps them increasing
/// (RFC 9562 §6.2, method 1); the remaining 62 bits are random.
public final class InstanceIdGenerator: Sendable {
    private struct State {
        var lastMilliseconds: UInt64 = 0
        var counter: UInt16 = 0
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> UInt64

    /// - Parameter now: milliseconds since the Unix epoch.
    public init(now: @escaping @Sendable () -> UInt64) {
        self.now = now
    }

    public func next() -> String {
        var random = SystemRandomNumberGenerator()
        let (milliseconds, counter) = state.withLock { s -> (UInt64, UInt16) in
            let t = max(now(), s.lastMilliseconds)
            if t == s.lastMilliseconds {
                s.counter &+= 1
                if s.counter > 0xFFF {
                    // 4,096 ids in one millisecond: borrow the next millisecond.
                    s.lastMilliseconds += 1
                    s.counter = 0
                }
            } else {
                s.lastMilliseconds = t
                s.counter = UInt16(truncatingIfNeeded: random.next() as UInt64) & 0x3FF  // leave room to count up
            }
            return (s.lastMilliseconds, s.counter)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - UInt64(i)))) }
        bytes[6] = 0x70 | UInt8(counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        let tail = random.next() as UInt64
        for i in 8..<16 { bytes[i] = UInt8(truncatingIfNeeded: tail >> (8 * UInt64(15 - i))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return Self.format(bytes)
    }

    private static func format(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            LowercaseHex.append(byte, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
