import Foundation
import Testing
@testable import Jobs

/// A Wednesday afternoon, the reference point for most vectors.
private let base = "2026-12-02T14:03:07Z"

@Suite struct CronParsingTests {
    @Test(arguments: [
        ("0 0 2 * * *", "0 0 2 * * *"),
        ("  0   0\t2 * *  * ", "0 0 2 * * *"),
        ("0 30 9 * * mon-fri", "0 30 9 * * MON-FRI"),
        ("0 0 0 1 jan,Jul ?", "0 0 0 1 JAN,JUL ?"),
        ("0 */5 * * * *", "0 */5 * * * *"),
        ("0 5/20 1-10/3 ? * 7", "0 5/20 1-10/3 ? * 7"),
        ("@Daily", "@daily"),
        ("@annually", "@annually"),
        ("@MIDNIGHT", "@midnight"),
    ])
    func normalisesDescription(input: String, expected: String) throws {
        #expect(try CronExpression(parsing: input).description == expected)
    }

    @Test func equivalentSpellingsAreEqual() throws {
        let a = try CronExpression(parsing: "0 30 9 * * mon-fri")
        let b = try CronExpression(parsing: " 0 30  9 * * MON-FRI")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(try CronExpression(parsing: "0 30 9 * * 1-5") != a)
    }

    @Test(arguments: [
        ("", "cron expression is empty"),
        ("   ", "cron expression is empty"),
        ("0 0 * * *", "cron expression must have 6 fields (second minute hour day month weekday), got 5"),
        ("0 0 0 0 * * *", "cron expression must have 6 fields (second minute hour day month weekday), got 7"),
        ("60 * * * * *", "cron field 'second' value 60 is out of range 0-59"),
        ("0 60 * * * *", "cron field 'minute' value 60 is out of range 0-59"),
        ("0 0 25 * * *", "cron field 'hour' value 25 is out of range 0-23"),
        ("0 0 0 0 * *", "cron field 'day' value 0 is out of range 1-31"),
        ("0 0 0 32 * *", "cron field 'day' value 32 is out of range 1-31"),
        ("0 0 0 * 13 *", "cron field 'month' value 13 is out of range 1-12"),
        ("0 0 0 * * 8", "cron field 'weekday' value 8 is out of range 0-7"),
        ("0 0 1-99999999999999999999 * * *", "cron field 'hour' value 99999999999999999999 is out of range 0-23"),
        ("0 */0 * * * *", "cron field 'minute' step 0 is invalid; step must be at least 1"),
        ("0 0 */x * * *", "cron field 'hour' step 'x' is not a number"),
        ("0 0 */ * * *", "cron field 'hour' step '' is not a number"),
        ("0 0 1/2/3 * * *", "cron field 'hour' value '1/2/3' has more than one step"),
        ("0 0 5-2 * * *", "cron field 'hour' range 5-2 is reversed; start must not exceed end"),
        ("0 0 0 * * FRI-MON", "cron field 'weekday' range FRI-MON is reversed; start must not exceed end"),
        ("0 0 1-2-3 * * *", "cron field 'hour' value '1-2-3' is not a valid range"),
        ("0 0 -1 * * *", "cron field 'hour' value '-1' is not a valid range"),
        ("0 0 1- * * *", "cron field 'hour' value '1-' is not a valid range"),
        ("0 0 1,,2 * * *", "cron field 'hour' has an empty list element in '1,,2'"),
        ("0 0 1, * * *", "cron field 'hour' has an empty list element in '1,'"),
        ("0 0 x * * *", "cron field 'hour' has invalid value 'x'"),
        ("0 0 *-5 * * *", "cron field 'hour' has invalid value '*'"),
        ("0 0 0 * foo *", "cron field 'month' has invalid value 'foo'"),
        ("0 0 0 * MON *", "cron field 'month' has invalid value 'MON'"),
        ("0 0 0 * * JAN", "cron field 'weekday' has invalid value 'JAN'"),
        ("0 0 0 * * MONDAY", "cron field 'weekday' has invalid value 'MONDAY'"),
        ("@fortnightly", "unknown cron descriptor '@fortnightly'; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"),
        ("@daily 0", "cron expression must have 6 fields (second minute hour day month weekday), got 2"),
    ])
    func rejects(input: String, message: String) {
        #expect(throws: CronError(message)) { try CronExpression(parsing: input) }
    }
}

@Suite struct CronNextTests {
    @Test(arguments: [
        ("0 0 2 * * *", base, "2026-12-03T02:00:00Z"),
        ("*/15 * * * * *", base, "2026-12-02T14:03:15Z"),
        ("0 */5 * * * *", base, "2026-12-02T14:05:00Z"),
        ("0 0 * * * *", base, "2026-12-02T15:00:00Z"),
        ("30 10-20/5 14 * * *", base, "2026-12-02T14:10:30Z"),
        ("7 3 14 * * *", base, "2026-12-03T14:03:07Z"),
        ("0 30 9 * * MON-FRI", "2026-12-04T18:00:00Z", "2026-12-07T09:30:00Z"),
        ("0 30 9 * * 1-5", "2026-12-07T09:30:00Z", "2026-12-08T09:30:00Z"),
        ("0 0 0 * * FRI", base, "2026-12-04T00:00:00Z"),
        ("0 0 12 ? * SAT", base, "2026-12-05T12:00:00Z"),
        ("0 0 0 * * 7", base, "2026-12-06T00:00:00Z"),
        ("0 0 0 * * sun", base, "2026-12-06T00:00:00Z"),
        ("0 0 0 1 * ?", base, "2027-01-01T00:00:00Z"),
        ("0 0 0 31 * *", base, "2026-12-31T00:00:00Z"),
        ("0 0 0 31 * *", "2027-01-31T12:00:00Z", "2027-03-31T00:00:00Z"),
        ("0 0 0 1 JAN,jul *", "2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z"),
        ("59 59 23 31 12 *", "2026-12-31T23:59:59Z", "2027-12-31T23:59:59Z"),
        ("* * * * * *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"),
        ("0 0 0 29 2 *", base, "2028-02-29T00:00:00Z"),
        ("0 0 0 29 FEB *", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"),
        ("0 0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"),
        ("@hourly", base, "2026-12-02T15:00:00Z"),
        ("@daily", base, "2026-12-03T00:00:00Z"),
        ("@midnight", base, "2026-12-03T00:00:00Z"),
        ("@weekly", base, "2026-12-06T00:00:00Z"),
        ("@monthly", base, "2027-01-01T00:00:00Z"),
        ("@yearly", base, "2027-01-01T00:00:00Z"),
    ])
    func next(expression: String, after: String, expected: String) throws {
        #expect(iso(try CronExpression(parsing: expression).next(after: instant(after))) == expected)
    }

    /// Both day fields restricted: a day matches when either does (Vixie/robfig OR rule).
    @Test(arguments: [
        ("0 0 0 13 * FRI", base, "2026-12-04T00:00:00Z"),
        ("0 0 0 13 * FRI", "2027-01-09T00:00:00Z", "2027-01-13T00:00:00Z"),
        ("0 0 9 1-7 * MON", base, "2026-12-03T09:00:00Z"),
        ("0 0 9 25 * MON", "2026-12-07T09:00:00Z", "2026-12-14T09:00:00Z"),
    ])
    func restrictedDayFieldsMatchEither(expression: String, after: String, expected: String) throws {
        #expect(iso(try CronExpression(parsing: expression).next(after: instant(after))) == expected)
    }

    /// A day field starting with `*` or `?` counts as unrestricted even with a step, so both fields
    /// must match. Under the OR rule both vectors would instead fire on Thu 3 Dec.
    @Test(arguments: [
        ("0 0 0 */2 * FRI", "2026-12-11T00:00:00Z"),
        ("0 0 0 13 * */2", "2026-12-13T00:00:00Z"),
    ])
    func starPrefixedDayFieldRequiresBoth(expression: String, expected: String) throws {
        #expect(iso(try CronExpression(parsing: expression).next(after: instant(base))) == expected)
    }

    @Test(arguments: [
        ("0 5/20 * * * *", ["2026-12-02T14:05:00Z", "2026-12-02T14:25:00Z", "2026-12-02T14:45:00Z", "2026-12-02T15:05:00Z"]),
        ("0 0,30 8-9 * * *", ["2026-12-03T08:00:00Z", "2026-12-03T08:30:00Z", "2026-12-03T09:00:00Z",
                              "2026-12-03T09:30:00Z", "2026-12-04T08:00:00Z"]),
        ("0 0 0 * * 5-7", ["2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z", "2026-12-11T00:00:00Z"]),
        ("0 0 0 * * MON/2", ["2026-12-04T00:00:00Z", "2026-12-07T00:00:00Z", "2026-12-09T00:00:00Z", "2026-12-11T00:00:00Z"]),
        ("0 0 0 29 2 *", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z", "2040-02-29T00:00:00Z"]),
        ("0 0 12 1,15 */5 ?", ["2027-01-01T12:00:00Z", "2027-01-15T12:00:00Z", "2027-06-01T12:00:00Z", "2027-06-15T12:00:00Z"]),
    ])
    func successiveRuns(expression: String, expected: [String]) throws {
        let cron = try CronExpression(parsing: expression)
        var runs: [String] = []
        var cursor = instant(base)
        for _ in expected {
            guard let run = cron.next(after: cursor) else { break }
            runs.append(iso(run)!)
            cursor = run
        }
        #expect(runs == expected)
    }

    @Test(arguments: ["0 0 0 30 2 *", "0 0 0 31 4,6,9,11 *", "0 0 0 31 NOV *"])
    func impossibleDatesReturnNil(expression: String) throws {
        #expect(try CronExpression(parsing: expression).next(after: instant(base)) == nil)
    }

    @Test func fractionalStartRoundsToNextWholeSecond() throws {
        let cron = try CronExpression(parsing: "* * * * * *")
        #expect(cron.next(after: instant(base).addingTimeInterval(0.25)) == instant("2026-12-02T14:03:08Z"))
        #expect(cron.next(after: instant(base)) == instant("2026-12-02T14:03:08Z"))
    }

    @Test func honoursTimeZone() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let cron = try CronExpression(parsing: "0 0 2 * * *")
        #expect(iso(cron.next(after: instant(base), in: berlin)) == "2026-12-03T01:00:00Z")
        #expect(iso(cron.next(after: instant("2027-07-01T12:00:00Z"), in: berlin)) == "2027-07-02T00:00:00Z")
    }

    /// 02:30 does not exist in Berlin on 2027-03-28 (clocks jump 02:00 -> 03:00), so that run is skipped.
    @Test func skipsLocalTimesInDSTGap() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let cron = try CronExpression(parsing: "0 30 2 * * *")
        #expect(iso(cron.next(after: instant("2027-03-27T12:00:00Z"), in: berlin)) == "2027-03-29T00:30:00Z")
    }

    /// 02:30 happens twice in Berlin on 2027-10-31 (clocks fall back 03:00 -> 02:00); it fires once.
    @Test func firesOnceForRepeatedLocalTime() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let cron = try CronExpression(parsing: "0 30 2 * * *")
        let first = try #require(cron.next(after: instant("2027-10-30T12:00:00Z"), in: berlin))
        #expect(["2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z"].contains(iso(first)))
        #expect(iso(cron.next(after: first, in: berlin)) == "2027-11-01T01:30:00Z")
    }
}
