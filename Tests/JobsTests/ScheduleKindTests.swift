import Foundation
import Testing
@testable import Jobs

@Suite struct ScheduleKindTests {
    @Test func rawValuesMatchHarbor() {
        #expect(ScheduleKind.allCases.map(\.rawValue) == ["Hourly", "Daily", "Weekly", "Custom", "Manual", "None", "Schedule"])
    }

    @Test func codableUsesHarborSpelling() throws {
        let decoded = try JSONDecoder().decode([ScheduleKind].self, from: Data(#"["Hourly","None","Schedule"]"#.utf8))
        #expect(decoded == [.hourly, ScheduleKind.none, .schedule])
        #expect(String(decoding: try JSONEncoder().encode([ScheduleKind.daily]), as: UTF8.self) == #"["Daily"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ScheduleKind].self, from: Data(#"["daily"]"#.utf8)) }
    }

    @Test(arguments: [
        ("Hourly", nil, ScheduleKind.hourly, "0 0 * * * *"),
        ("Daily", "", .daily, "0 0 0 * * *"),
        ("Weekly", "  ", .weekly, "0 0 0 * * 0"),
        ("Daily", "0 0 2 * * *", .daily, "0 0 2 * * *"),
        ("Hourly", "0 30 * * * *", .hourly, "0 30 * * * *"),
        ("Weekly", "0 0 3 * * sat", .weekly, "0 0 3 * * SAT"),
        ("Custom", " 0 */5 * * * * ", .custom, "0 */5 * * * *"),
        ("Custom", "@daily", .custom, "@daily"),
        ("Schedule", "0 0 0 1 * *", .schedule, "0 0 0 1 * *"),
        ("daily", nil, .daily, "0 0 0 * * *"),
        ("DAILY", nil, .daily, "0 0 0 * * *"),
        ("custom", "0 0 4 * * *", .custom, "0 0 4 * * *"),
        ("SCHEDULE", "0 0 4 * * *", .schedule, "0 0 4 * * *"),
    ] as [(String, String?, ScheduleKind, String)])
    func periodic(type: String, cron: String?, kind: ScheduleKind, expected: String) throws {
        let schedule = try HarborSchedule(type: type, cron: cron)
        #expect(schedule.kind == kind)
        #expect(schedule.cron == expected)
        #expect(schedule.expression == (try CronExpression(parsing: expected)))
        #expect(schedule.isPeriodic)
    }

    @Test(arguments: [
        ("Manual", nil), ("None", nil), ("None", ""), ("manual", nil), ("NONE", nil), ("Manual", "0 0 2 * * *"),
    ] as [(String, String?)])
    func notPeriodic(type: String, cron: String?) throws {
        let schedule = try HarborSchedule(type: type, cron: cron)
        #expect(schedule.kind == (type.lowercased() == "manual" ? .manual : ScheduleKind.none))
        #expect(schedule.cron == nil)
        #expect(schedule.expression == nil)
        #expect(!schedule.isPeriodic)
    }

    @Test func harborUIDailyPayloadSchedulesAtGivenTime() throws {
        let schedule = try HarborSchedule(type: "Daily", cron: "0 0 2 * * *")
        #expect(iso(schedule.expression?.next(after: instant("2026-12-02T14:03:07Z"))) == "2026-12-03T02:00:00Z")
    }

    @Test(arguments: [
        ("Custom", nil, "schedule type 'Custom' requires a cron expression"),
        ("Custom", " ", "schedule type 'Custom' requires a cron expression"),
        ("Schedule", nil, "schedule type 'Schedule' requires a cron expression"),
        ("Custom", "0 0 * * *", "cron expression must have 6 fields (second minute hour day month weekday), got 5"),
        ("Daily", "0 0 25 * * *", "cron field 'hour' value 25 is out of range 0-23"),
        ("Weekly", "0 0 0 * * 8", "cron field 'weekday' value 8 is out of range 0-7"),
        ("Monthly", nil, "unknown schedule type 'Monthly'; use Hourly, Daily, Weekly, Custom, Manual or None"),
        ("dAILY", nil, "unknown schedule type 'dAILY'; use Hourly, Daily, Weekly, Custom, Manual or None"),
        ("Manually", nil, "unknown schedule type 'Manually'; use Hourly, Daily, Weekly, Custom, Manual or None"),
        ("", nil, "unknown schedule type ''; use Hourly, Daily, Weekly, Custom, Manual or None"),
        (" Daily", nil, "unknown schedule type ' Daily'; use Hourly, Daily, Weekly, Custom, Manual or None"),
    ] as [(String, String?, String)])
    func rejects(type: String, cron: String?, message: String) {
        #expect(throws: CronError(message)) { try HarborSchedule(type: type, cron: cron) }
    }
}
