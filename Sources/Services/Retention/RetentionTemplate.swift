import Metadata

/// Harbor's retention templates: which of the artifacts a rule's selectors picked it keeps.
public enum RetentionTemplate: String, CaseIterable, Sendable {
    case latestPushedK, latestPulledN, latestActiveK, lastXDays, nDaysSinceLastPull, nDaysSinceLastPush, always

    var needsParameter: Bool { self != .always }

    /// A million artifacts, or a hundred years.
    var maximumParameter: Int { unit == "DAYS" ? 36_500 : 1_000_000 }

    /// `count` for the latest-K templates, days for the others.
    public var unit: String {
        switch self {
        case .latestPushedK, .latestPulledN, .latestActiveK: "COUNT"
        case .lastXDays, .nDaysSinceLastPull, .nDaysSinceLastPush: "DAYS"
        case .always: ""
        }
    }

    public var displayText: String {
        switch self {
        case .latestPushedK: "the most recently pushed # artifacts"
        case .latestPulledN: "the most recently pulled # artifacts"
        case .latestActiveK: "the most recently active # artifacts"
        case .lastXDays: "the artifacts active within the last # days"
        case .nDaysSinceLastPush: "pushed within the last # days"
        case .nDaysSinceLastPull: "pulled within the last # days"
        case .always: "always"
        }
    }

    /// The ids of the artifacts among `selected` that the template keeps, with `parameter` its
    /// count or days and `now` in milliseconds. Never-pulled artifacts are the least recently
    /// pulled; "active" is the later of push and pull.
    func retain(_ selected: [RetentionCandidate], parameter: Int, now: Int64) -> Set<Int64> {
        let days = Int64(parameter) * 86_400_000
        func active(_ c: RetentionCandidate) -> Int64 { max(c.pushedAt, c.pulledAt ?? 0) }
        func latest(by key: (RetentionCandidate) -> Int64) -> Set<Int64> {
            Set(selected.sorted { key($0) != key($1) ? key($0) > key($1) : $0.id > $1.id }.prefix(parameter).map(\.id))
        }
        switch self {
        case .always: return Set(selected.map(\.id))
        case .latestPushedK: return latest { $0.pushedAt }
        case .latestPulledN: return latest { $0.pulledAt ?? 0 }
        case .latestActiveK: return latest(by: active)
        case .lastXDays: return Set(selected.filter { active($0) >= now - days }.map(\.id))
        case .nDaysSinceLastPush: return Set(selected.filter { $0.pushedAt >= now - days }.map(\.id))
        case .nDaysSinceLastPull: return Set(selected.filter { ($0.pulledAt ?? 0) >= now - days }.map(\.id))
        }
    }
}
