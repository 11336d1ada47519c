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
    /// What became of the fire times so far: kept with the state, so the figures are exact
    /// however many processes decide the schedule (each decision is stored by compare-and-set).
    public var tally: ScheduleTally

    public init(decidedThrough: Date, buffered: Date? = nil, paused: Bool = false, activeInstanceIds: [String] = [], tally: ScheduleTally = ScheduleTally()) {
        self.decidedThrough = decidedThrough
        self.buffered = buffered
        self.paused = paused
        self.activeInstanceIds = activeInstanceIds
        self.tally = tally
    }
}

/// Fire times of a schedule by outcome, since it was created.
public struct ScheduleTally: Sendable, Hashable {
    /// Fire times (and triggers) that started an instance.
    public var started = 0
    /// Fire times not run because the previous run was still going (`skip`, or `bufferOne` with one held).
    public var skipped = 0
    /// Fire times older than the catch-up window when they were decided (after downtime).
    public var missed = 0
    /// The first and last fire time of the latest stretch missed.
    public var lastMissed: (first: Date, last: Date)? {
        get { lastMissedFirst.flatMap { first in lastMissedLast.map { (first, $0) } } }
        set { (lastMissedFirst, lastMissedLast) = (newValue?.first, newValue?.last) }
    }
    private var lastMissedFirst: Date?
    private var lastMissedLast: Date?

    public init(started: Int = 0, skipped: Int = 0, missed: Int = 0) {
        self.started = started
        self.skipped = skipped
        self.missed = missed
    }

    public var json: JSONValue {
        [
            "started": .number(Double(started)), "skipped": .number(Double(skipped)), "missed": .number(Double(missed)),
            "lastMissed": lastMissed.map { ["first": .string(Timestamp(date: $0.first).iso8601), "last": .string(Timestamp(date: $0.last).iso8601)] } ?? .null,
        ]
    }

    /// Reads the stored form; a state written before tallies existed has none (all zero).
    init(json: JSONValue?) {
        guard let json, json != .null else { return }
        func count(_ key: String) -> Int { json[key]?.intValue ?? 0 }
        func date(_ value: JSONValue?) -> Date? { value?.stringValue.flatMap { Timestamp(iso8601: $0) }?.date }
        started = count("started")
        skipped = count("skipped")
        missed = count("missed")
        if let first = date(json["lastMissed"]?["first"]), let last = date(json["lastMissed"]?["last"]) { lastMissed = (first, last) }
    }
}

extension ScheduleState {
    /// The stored form (the `state` column of a schedule), times as RFC 3339.
    public var json: JSONValue {
        [
            "decidedThrough": .string(Timestamp(date: decidedThrough).iso8601),
            "buffered": buffered.map { .string(Timestamp(date: $0).iso8601) } ?? .null,
            "paused": .bool(paused),
            "activeInstanceIds": .array(activeInstanceIds.map(JSONValue.string)),
            "tally": tally.json,
        ]
    }

    /// Reads the stored form; nil when it is not one (the store then reports the row corrupt).
    public init?(json: JSONValue) {
        func date(_ value: JSONValue?) -> Date? {
            value?.stringValue.flatMap { Timestamp(iso8601: $0) }?.date
        }
        guard let decided = date(json["decidedThrough"]), case .bool(let paused)? = json["paused"], case .array(let ids)? = json["activeInstanceIds"] else { return nil }
        let buffered = date(json["buffered"])
        if json["buffered"] != .null, buffered == nil { return nil }
        self.init(decidedThrough: decided, buffered: buffered, paused: paused, activeInstanceIds: ids.compactMap(\.stringValue), tally: ScheduleTally(json: json["tally"]))
    }
}
