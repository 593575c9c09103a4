import Foundation
import Metadata

/// Harbor's audit log purge parameters: `{"audit_retention_hour": 168, "dry_run": true,
/// "include_event_types": "create_artifact,delete_artifact,pull_artifact"}`. The event types are one
/// comma-separated string, as Harbor sends them; none given purges nothing.
public struct AuditPurgeParameters: Codable, Sendable, Equatable {
    public var retentionHours: Int
    public var eventTypes: String
    public var dryRun: Bool

    public static let retentionRange = 1...240_000

    public init(retentionHours: Int, eventTypes: String, dryRun: Bool = false) {
        self.retentionHours = retentionHours
        self.eventTypes = eventTypes
        self.dryRun = dryRun
    }

    enum CodingKeys: String, CodingKey {
        case retentionHours = "audit_retention_hour", eventTypes = "include_event_types", dryRun = "dry_run"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        retentionHours = try container.decodeIfPresent(Int.self, forKey: .retentionHours) ?? 0
        eventTypes = try container.decodeIfPresent(String.self, forKey: .eventTypes) ?? ""
        dryRun = try container.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
    }

    public var eventTypeList: [String] {
        eventTypes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    public var violation: String? {
        Self.retentionRange.contains(retentionHours) ? nil : "audit_retention_hour must be between 1 and 240000 (got \(retentionHours))"
    }

    public var json: String { CanonicalJSON.string(self) }
}
