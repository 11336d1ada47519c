import BatonCore
import BatonExpressions
import Foundation

/// What a schedule remembers between decisions, stored with it. The runtime starts each instance
/// with its fire time in the idempotency key and then writes this state by compare-and-set, so a
/// fire time starts at most one instance however many processes or restarts decide it.
public struct ScheduleState: Sendable, Hashable {
    /// Every fire time up to and including this one has been decided.
    public var decidedThrough: Date
    /// The fire time held by `bufferOne` until the running instance ends.
    public var buffered: Date?
    public var paused: Bool
    /// Instances this schedule started that had not ended when last looked at; the runtime
    /// checks them at each look and passes the planner how many still run.
    public var activeInstanceIds: [String]

    public init(decidedThrough: Date, buffered: Date? = nil, paused: Bool = false, activeInstanceIds: [String] = []) {
        self.decidedThrough = decidedThrough
        self.buffered = buffered
        self.paused = paused
        self.activeInstanceIds = activeInstanceIds
    }
}

extension ScheduleState {
    /// The stored form (the `state` column of a schedule), times as RFC 3339.
    public var json: JSONValue {
        [
            "decidedThrough": .string(Timestamp(milliseconds: Int64((decidedThrough.timeIntervalSince1970 * 1000).rounded(.down))).iso8601),
            "buffered": buffered.map { .string(Timestamp(milliseconds: Int64(($0.timeIntervalSince1970 * 1000).rounded(.down))).iso8601) } ?? .null,
            "paused": .bool(paused),
            "activeInstanceIds": .array(activeInstanceIds.map(JSONValue.string)),
        ]
    }

    /// Reads the stored form; nil when it is not one (the store then reports the row corrupt).
    public init?(json: JSONValue) {
        func date(_ value: JSONValue?) -> Date? {
            value?.stringValue.flatMap { Timestamp(iso8601: $0) }.map { Date(timeIntervalSince1970: TimeInterval($0.milliseconds) / 1000) }
        }
        guard let decided = date(json["decidedThrough"]), case .bool(let paused)? = json["paused"], case .array(let ids)? = json["activeInstanceIds"] else { return nil }
        let buffered = date(json["buffered"])
        if json["buffered"] != .null, buffered == nil { return nil }
        self.init(decidedThrough: decided, buffered: buffered, paused: paused, activeInstanceIds: ids.compactMap(\.stringValue))
    }
}
