import Foundation

/// The values Harbor accepts in a `schedule.type` field (GC, retention, scan-all, replication).
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    case hourly = "Hourly", daily = "Daily", weekly = "Weekly", custom = "Custom"
    case manual = "Manual", none = "None", schedule = "Schedule"

    /// Harbor matches type names exactly; all-lower/upper-case spellings are accepted too because
    /// CLI tools and scripts write them that way (harbor-cli takes `none|hourly|daily|...`).
    /// Other mixed-case spellings are still rejected so typos surface.
    init?(harborType: String) {
        guard let kind = Self.allCases.first(where: {
            [$0.rawValue, $0.rawValue.lowercased(), $0.rawValue.uppercased()].contains(harborType)
        }) else { return nil }
        self = kind
    }

    /// The cron Harbor substitutes when a preset type arrives without one.
    var defaultCron: String? {
        switch self {
        case .hourly: "0 0 * * * *"
        case .daily: "0 0 0 * * *"
        case .weekly: "0 0 0 * * 0"
        case .custom, .manual, .none, .schedule: nil
        }
    }
}

/// A Harbor `{"type": ..., "cron": ...}` schedule, validated the way Harbor validates it.
///
/// Harbor's UI sends a cron even for the preset types, e.g. `{"type":"Daily","cron":"0 0 2 * * *"}`,
/// so a given cron always wins over the preset default.
public struct HarborSchedule: Sendable, Equatable {
    public let kind: ScheduleKind
    /// The normalised cron that will drive the job; nil for `Manual` and `None`.
    public let cron: String?
    public let expression: CronExpression?

    public var isPeriodic: Bool { expression != nil }

    /// A cron sent with `Manual` or `None` is ignored rather than rejected: it can never fire,
    /// and rejecting it would only break clients that always send the field.
    public init(type: String, cron: String?) throws(CronError) {
        guard let kind = ScheduleKind(harborType: type) else {
            throw CronError("unknown schedule type '\(type)'; use Hourly, Daily, Weekly, Custom, Manual or None")
        }
        let given = cron?.trimmingCharacters(in: .whitespacesAndNewlines)
        switch kind {
        case .manual, .none:
            expression = nil
        case .hourly, .daily, .weekly, .custom, .schedule:
            guard let text = given?.isEmpty == false ? given : kind.defaultCron else {
                throw CronError("schedule type '\(kind.rawValue)' requires a cron expression")
            }
            let parsed = try CronExpression(parsing: text)
            guard parsed.next(after: Date()) != nil else {
                throw CronError("cron expression '\(text)' never fires")
            }
            expression = parsed
        }
        self.kind = kind
        self.cron = expression?.description
    }
}
