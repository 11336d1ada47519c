import BatonCore
import Crypto

/// The hash chain that makes the audit log tamper-evident: each record's hash covers the previous
/// record's hash and every field of its own, so changing, removing or reordering a record breaks
/// every link after it.
///
/// Fields are hashed length-prefixed (no separator a value could contain fakes a boundary). An
/// attacker who can rewrite the whole table can rewrite the whole chain too; the chain proves
/// that what is there is what was written, in that order, from the first record on — keep a copy
/// of the latest hash elsewhere (the `baton.audit` mirror, a ticket) to anchor it.
public enum AuditChain {
    /// What the first record chains to.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public static func hash(sequence: Int64, entry: AuditEntry, previousHash: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previousHash)
        var bytes: [UInt8] = []
        append(UInt64(bitPattern: sequence), to: &bytes)
        append(UInt64(bitPattern: entry.time.milliseconds), to: &bytes)
        for field in [entry.actor, entry.action, entry.target, entry.outcome, entry.requestId, entry.source, entry.detail] {
            let utf8 = Array(field.utf8)
            append(UInt64(utf8.count), to: &bytes)
            bytes += utf8
        }
        hasher.update(data: bytes)
        return Array(hasher.finalize())
    }

    /// The record that follows `previous` (nil: the first).
    public static func record(after previous: AuditRecord?, _ entry: AuditEntry) -> AuditRecord {
        let sequence = (previous?.sequence ?? 0) + 1
        let previousHash = previous?.hash ?? genesis
        return AuditRecord(sequence: sequence, entry: entry, previousHash: previousHash, hash: hash(sequence: sequence, entry: entry, previousHash: previousHash))
    }

    /// Where a walk of the chain found it broken.
    public struct Break: Sendable, Hashable, CustomStringConvertible {
        public var sequence: Int64
        public var reason: String
        public var description: String { "record \(sequence): \(reason)" }
    }

    /// Checks `records` (in sequence order) as the continuation of `previous`; returns the first
    /// broken link, or nil.
    public static func firstBreak(in records: [AuditRecord], after previous: AuditRecord?) -> Break? {
        var last = previous
        for record in records {
            let expectedSequence = (last?.sequence ?? 0) + 1
            if record.sequence != expectedSequence {
                return Break(sequence: record.sequence, reason: "follows record \(last?.sequence ?? 0): record \(expectedSequence) is missing")
            }
            if record.previousHash != (last?.hash ?? genesis) {
                return Break(sequence: record.sequence, reason: "its previous hash is not record \(expectedSequence - 1)'s hash")
            }
            if record.hash != hash(sequence: record.sequence, entry: record.entry, previousHash: record.previousHash) {
                return Break(sequence: record.sequence, reason: "its fields do not match its hash (changed after it was written)")
            }
            last = record
        }
        return nil
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
