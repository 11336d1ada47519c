import BatonCore

/// One change, or one refused attempt at a change, as the audit log keeps it.
///
/// The actor is what authentication established (`key:<name>`, `jwt:<subject>`, `cli:<user>`, or
/// `-` for a caller that proved nothing), never a name the client chose.
public struct AuditEntry: Sendable, Hashable {
    public var time: Timestamp
    public var actor: String
    /// What was attempted: `instance.cancel`, `definition.register`, `key.create`, …
    public var action: String
    /// What it concerned: `instance:<id>`, `workflow:<id>`, `schedule:<id>`, `key:<id>`, …
    public var target: String
    /// `ok`, or `refused:<status>` / `failed:<status>` with the HTTP status (or a word for the CLI).
    public var outcome: String
    /// The request's `X-Request-Id` (or one Baton made); empty outside the API.
    public var requestId: String
    /// The peer's address; `local` for the CLI.
    public var source: String
    /// A short free text: the reason given, the grants of a key, the new log level.
    public var detail: String

    public init(time: Timestamp, actor: String, action: String, target: String, outcome: String, requestId: String = "", source: String = "local", detail: String = "") {
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.outcome = outcome
        self.requestId = requestId
        self.source = source
        self.detail = detail
    }
}

/// An entry with its place in the chain.
public struct AuditRecord: Sendable, Hashable {
    /// 1 for the first record of a store, then one more each time.
    public var sequence: Int64
    public var entry: AuditEntry
    /// The previous record's `hash` (32 zero bytes for the first).
    public var previousHash: [UInt8]
    /// SHA-256 of the previous hash and this record's fields (see `AuditChain`).
    public var hash: [UInt8]

    public init(sequence: Int64, entry: AuditEntry, previousHash: [UInt8], hash: [UInt8]) {
        self.sequence = sequence
        self.entry = entry
        self.previousHash = previousHash
        self.hash = hash
    }
}
