import Foundation
import Testing

@testable import BatonCron

/// Fire times written as the zone's wall clock with its offset, so a DST case reads as it happens.
@Suite("Cron schedules: fire times in a time zone")
struct CronScheduleTests {
    static func times(_ expression: String, in zone: String, after start: String, count: Int) throws -> [String] {
        let timeZone = try #require(TimeZone(identifier: zone))
        let schedule = CronSchedule(try CronExpression(parsing: expression), timeZone: timeZone)
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        let from = try #require(formatter.date(from: start), "bad start \(start)")
        return schedule.fireTimes(after: from, count: count).map { formatter.string(from: $0) }
    }

    @Test func utcBasics() throws {
        #expect(try Self.times("*/15 9-10 * * *", in: "UTC", after: "2026-01-01T09:50:00Z", count: 4) == [
            "2026-01-01T10:00:00Z", "2026-01-01T10:15:00Z", "2026-01-01T10:30:00Z", "2026-01-01T10:45:00Z",
        ])
        #expect(try Self.times("0 0 L * *", in: "UTC", after: "2026-01-01T00:00:00Z", count: 4) == [
            "2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z",
        ])
        #expect(try Self.times("0 0 29 2 *", in: "UTC", after: "2026-01-01T00:00:00Z", count: 2) == ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"])
        #expect(try Self.times("*/20 * * * * *", in: "UTC", after: "2026-01-01T00:00:05Z", count: 3) == [
            "2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z",
        ])
        #expect(try Self.times("@yearly", in: "UTC", after: "2026-06-01T00:00:00Z", count: 1) == ["2027-01-01T00:00:00Z"])
    }

    @Test func strictlyAfterEvenWithinASecond() throws {
        let schedule = CronSchedule(try CronExpression(parsing: "* * * * * *"), timeZone: TimeZone(identifier: "UTC")!)
        #expect(schedule.nextFireTime(after: Date(timeIntervalSince1970: 10.5)) == Date(timeIntervalSince1970: 11))
        #expect(schedule.nextFireTime(after: Date(timeIntervalSince1970: 10)) == Date(timeIntervalSince1970: 11))
    }

    /// Vixie cron's day rule: both restricted → either; a leading `*` counts as unrestricted → both.
    @Test func dayOfMonthAndDayOfWeek() throws {
        #expect(try Self.times("0 0 1,15 * mon", in: "UTC", after: "2026-01-01T00:00:00Z", count: 5) == [
            "2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z", "2026-01-15T00:00:00Z", "2026-01-19T00:00:00Z", "2026-01-26T00:00:00Z",
        ])
        #expect(try Self.times("0 0 */2 * mon", in: "UTC", after: "2026-01-01T00:00:00Z", count: 4) == [
            "2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z", "2026-02-23T00:00:00Z",
        ])
    }

    /// Berlin jumps from 02:00 to 03:00 on 2026-03-29.
    @Test func skippedTimesFireOnceAtTheJump() throws {
        #expect(try Self.times("30 2 * * *", in: "Europe/Berlin", after: "2026-03-27T12:00:00+01:00", count: 3) == [
            "2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00",
        ])
        #expect(try Self.times("*/30 * * * *", in: "Europe/Berlin", after: "2026-03-29T01:00:00+01:00", count: 3) == [
            "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00",
        ])
        #expect(try Self.times("30 2 * * *", in: "America/New_York", after: "2026-03-07T12:00:00-05:00", count: 2) == [
            "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00",
        ])
    }

    /// Berlin goes back from 03:00 to 02:00 on 2026-10-25: a wall-clock time fires once, a cadence twice.
    @Test func repeatedTimesFireOnceForAWallClockTime() throws {
        #expect(try Self.times("30 2 * * *", in: "Europe/Berlin", after: "2026-10-24T12:00:00+02:00", count: 2) == [
            "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00",
        ])
        #expect(try Self.times("30 2 * * *", in: "Europe/Berlin", after: "2026-10-25T02:10:00+01:00", count: 1) == ["2026-10-26T02:30:00+01:00"],
            "asked during the second pass, the time has already fired")
        // Every second of the 2 o'clock hour is still a wall-clock time: the second pass is skipped whole.
        #expect(try Self.times("0-59 0-59 2 * * *", in: "Europe/Berlin", after: "2026-10-25T02:59:58+02:00", count: 2) == [
            "2026-10-25T02:59:59+02:00", "2026-10-26T02:00:00+01:00",
        ])
        #expect(try Self.times("0 1 * * *", in: "America/New_York", after: "2026-10-31T12:00:00-04:00", count: 2) == [
            "2026-11-01T01:00:00-04:00", "2026-11-02T01:00:00-05:00",
        ])
    }

    @Test func repeatedTimesFireTwiceForACadence() throws {
        #expect(try Self.times("*/30 * * * *", in: "Europe/Berlin", after: "2026-10-25T01:30:00+02:00", count: 5) == [
            "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00",
        ])
        #expect(try Self.times("*/20 1 * * *", in: "America/New_York", after: "2026-11-01T00:30:00-04:00", count: 7) == [
            "2026-11-01T01:00:00-04:00", "2026-11-01T01:20:00-04:00", "2026-11-01T01:40:00-04:00",
            "2026-11-01T01:00:00-05:00", "2026-11-01T01:20:00-05:00", "2026-11-01T01:40:00-05:00", "2026-11-02T01:00:00-05:00",
        ])
    }

    /// Lord Howe Island moves by 30 minutes; Sydney's changes fall in April and October.
    @Test func halfHourShiftsAndTheSouthernHemisphere() throws {
        #expect(try Self.times("15 2 * * *", in: "Australia/Lord_Howe", after: "2026-10-03T12:00:00+10:30", count: 2) == [
            "2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00",
        ])
        #expect(try Self.times("30 2 * * *", in: "Australia/Sydney", after: "2026-04-04T12:00:00+11:00", count: 2) == [
            "2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00",
        ])
    }
}
