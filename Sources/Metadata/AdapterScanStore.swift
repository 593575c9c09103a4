import Foundation
import SQLKit

/// A scan request accepted through the Pluggable Scanner API (`POST /api/v1/scan`).
public struct AdapterScanRequest: Sendable, Equatable {
    public var id: String
    public var registryURL: String
    /// The caller's Authorization value for the registry; nil once the scan ended.
    public var authorization: String?
    public var repository: String
    public var digest: String
    public var tag: String?
    public var mimeType: String
    public var requestedBy: String
    public var taskID: Int64?
    /// The task's status (`Pending`, `Running`, `Success`, `Error`, `Stopped`).
    public var status: String
    /// Why the task failed, when it did.
    public var statusMessage: String?
    /// The Harbor vulnerability report, once the scan succeeded.
    public var report: String?
    public var createdAt: Int64

    public init(id: String, registryURL: String, authorization: String?, repository: String, digest: String, tag: String?,
                mimeType: String, requestedBy: String, createdAt: Int64) {
        self.id = id
        self.registryURL = registryURL
        self.authorization = authorization
        self.repository = repository
        self.digest = digest
        self.tag = tag
        self.mimeType = mimeType
        self.requestedBy = requestedBy
        self.createdAt = createdAt
        status = "Pending"
    }
}

/// Scan requests of callers that use Berth as their scanner. Reports are kept for a day (the
/// caller polls for its report within minutes), then removed with their request.
public struct AdapterScanStore: Sendable {
    let database: MetadataDatabase
    public static let retentionMillis: Int64 = 24 * 3600 * 1000

    public init(database: MetadataDatabase) { self.database = database }

    /// Stores the request (before its task exists, so the task always finds it) and forgets
    /// requests older than a day.
    public func insert(_ request: AdapterScanRequest) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM adapter_scan_requests WHERE created_at < \(bind: request.createdAt - Self.retentionMillis)").run()
            try await db.raw("""
                INSERT INTO adapter_scan_requests (id, registry_url, authorization_value, repository, digest, tag, mime_type,
                    requested_by, created_at)
                VALUES (\(bind: request.id), \(bind: request.registryURL), \(bind: request.authorization), \(bind: request.repository),
                    \(bind: request.digest), \(bind: request.tag), \(bind: request.mimeType), \(bind: request.requestedBy),
                    \(bind: request.createdAt))
                """).run()
        }
    }

    /// Removes a request that could not be queued, with the credential it carried.
    public func delete(_ id: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM adapter_scan_requests WHERE id = \(bind: id)").run()
        }
    }

    public func attach(_ id: String, taskID: Int64) async throws {
        try await database.write { db in
            try await db.raw("UPDATE adapter_scan_requests SET task_id = \(bind: taskID) WHERE id = \(bind: id)").run()
        }
    }

    public func request(_ id: String) async throws -> AdapterScanRequest? {
        try await database.read { db in
            guard let row = try await db.raw("""
                SELECT a.*, t.status, t.status_message FROM adapter_scan_requests a LEFT JOIN job_tasks t ON t.id = a.task_id
                WHERE a.id = \(bind: id)
                """).first() else { return nil }
            var request = AdapterScanRequest(
                id: try row.decode(column: "id", as: String.self), registryURL: try row.decode(column: "registry_url", as: String.self),
                authorization: try row.decode(column: "authorization_value", as: String?.self),
                repository: try row.decode(column: "repository", as: String.self), digest: try row.decode(column: "digest", as: String.self),
                tag: try row.decode(column: "tag", as: String?.self), mimeType: try row.decode(column: "mime_type", as: String.self),
                requestedBy: try row.decode(column: "requested_by", as: String.self), createdAt: try row.decode(column: "created_at", as: Int64.self))
            request.taskID = try row.decode(column: "task_id", as: Int64?.self)
            request.report = try row.decode(column: "report", as: String?.self)
            request.status = try row.decode(column: "status", as: String?.self)
                ?? (request.report != nil ? "Success" : request.taskID == nil ? "Pending" : "Error")
            request.statusMessage = try row.decode(column: "status_message", as: String?.self)
            return request
        }
    }

    /// Records the report (nil when the scan failed) and drops the credential either way.
    public func finish(_ id: String, report: String?) async throws {
        try await database.write { db in
            try await db.raw("""
                UPDATE adapter_scan_requests SET report = COALESCE(\(bind: report), report), authorization_value = NULL
                WHERE id = \(bind: id)
                """).run()
        }
    }
}
