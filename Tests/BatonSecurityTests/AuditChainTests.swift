import BatonCore
import BatonSecurity
import Testing

/// The chain proves order and content: any change to a written record, a removed record, or a
/// reordering is found at the first record it affects.
@Suite("Audit chain")
struct AuditChainTests {
    static func chain(_ count: Int) -> [AuditRecord] {
        var records: [AuditRecord] = []
        for index in 1...count {
            records.append(AuditChain.record(after: records.last, AuditEntry(
                time: Timestamp(milliseconds: 1_000 * Int64(index)), actor: "key:ops", action: "instance.cancel", target: "/v1/instances/i-\(index)",
                outcome: "ok", requestId: "r\(index)", source: "127.0.0.1", detail: "")))
        }
        return records
    }

    @Test func anUntouchedChainVerifiesAndStartsAtGenesis() {
        let records = Self.chain(5)
        #expect(records.first?.previousHash == AuditChain.genesis)
        #expect(records.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(AuditChain.firstBreak(in: records, after: nil) == nil)
        // Checked in pages: the second page continues from the first's last record.
        #expect(AuditChain.firstBreak(in: Array(records[2...]), after: records[1]) == nil)
    }

    @Test func everyKindOfTamperingIsFoundAtTheFirstRecordItTouches() {
        let records = Self.chain(5)
        for field in ["actor", "action", "target", "outcome", "requestId", "source", "detail", "time"] {
            var changed = records
            switch field {
            case "actor": changed[2].entry.actor = "key:admin"
            case "action": changed[2].entry.action = "instance.pause"
            case "target": changed[2].entry.target = "/v1/instances/other"
            case "outcome": changed[2].entry.outcome = "refused:403"
            case "requestId": changed[2].entry.requestId = "r9"
            case "source": changed[2].entry.source = "10.0.0.1"
            case "detail": changed[2].entry.detail = "x"
            default: changed[2].entry.time = Timestamp(milliseconds: 1)
            }
            #expect(AuditChain.firstBreak(in: changed, after: nil)?.sequence == 3, "\(field)")
        }
        var removed = records
        removed.remove(at: 1)
        #expect(AuditChain.firstBreak(in: removed, after: nil)?.reason.contains("missing") == true)
        var swapped = records
        swapped.swapAt(1, 2)
        #expect(AuditChain.firstBreak(in: swapped, after: nil)?.sequence == 3)
        // Rewriting one record's hash to match its new fields still breaks the next link.
        var rehashed = records
        rehashed[2].entry.actor = "key:admin"
        rehashed[2].hash = AuditChain.hash(sequence: 3, entry: rehashed[2].entry, previousHash: rehashed[2].previousHash)
        #expect(AuditChain.firstBreak(in: rehashed, after: nil)?.sequence == 4)
        // Field boundaries are length-prefixed: moving a character across them changes the hash.
        var a = records[0].entry
        var b = a
        a.actor = "key:opsX"
        a.action = "y"
        b.actor = "key:ops"
        b.action = "Xy"
        #expect(AuditChain.hash(sequence: 1, entry: a, previousHash: AuditChain.genesis) != AuditChain.hash(sequence: 1, entry: b, previousHash: AuditChain.genesis))
    }
}
