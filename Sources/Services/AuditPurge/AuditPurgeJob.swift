import Foundation
import Jobs
import Metadata

/// Harbor's `PURGE_AUDIT_LOG`: deletes audit lines older than the retention of the chosen types.
public struct AuditPurgeJob: JobKind {
    public static let jobType = "PURGE_AUDIT_LOG"
    public var jobType: String { Self.jobType }

    let auditLogs: AuditLogStore

    public init(database: MetadataDatabase) { self.auditLogs = AuditLogStore(database: database) }

    public func run(_ context: JobContext) async throws {
        let parameters = try JSONDecoder().decode(AuditPurgeParameters.self, from: Data(context.parameters.utf8))
        let before = WallClock.nowMillis() - Int64(parameters.retentionHours) * 3_600_000
        let types = parameters.eventTypeList
        context.log("purging audit logs older than \(parameters.retentionHours) hours of types \(types.isEmpty ? "(none)" : types.joined(separator: ","))\(parameters.dryRun ? " (dry run)" : "")")
        let count = try await auditLogs.purge(before: before, eventTypes: types, dryRun: parameters.dryRun)
        context.log(parameters.dryRun ? "would delete \(count) audit log lines" : "deleted \(count) audit log lines")
    }
}
