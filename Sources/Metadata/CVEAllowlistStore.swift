import Foundation
import SQLKit

/// A CVE allowlist: the system's (project id 0) or a project's. Harbor's shape: items of `cve_id`,
/// `expires_at` in seconds (nil: never).
public struct CVEAllowlist: Sendable, Equatable, Codable {
    public var projectID: Int64
    public var expiresAt: Int64?
    public var cveIDs: [String]
    public var creationTime: Int64
    public var updateTime: Int64

    public init(projectID: Int64, expiresAt: Int64?, cveIDs: [String], creationTime: Int64 = 0, updateTime: Int64 = 0) {
        self.projectID = projectID
        self.expiresAt = expiresAt
        self.cveIDs = cveIDs
        self.creationTime = creationTime
        self.updateTime = updateTime
    }

    /// The ids in force at `nowSeconds`: none once the list expired.
    public func effectiveIDs(nowSeconds: Int64) -> Set<String> {
        if let expiresAt, expiresAt <= nowSeconds { return [] }
        return Set(cveIDs)
    }
}

public struct CVEAllowlistStore: Sendable {
    public static let systemProjectID: Int64 = 0
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func allowlist(projectID: Int64) async throws -> CVEAllowlist? {
        try await allowlists(projectIDs: [projectID])[projectID]
    }

    /// The allowlists of a page of projects in one query.
    public func allowlists(projectIDs: [Int64]) async throws -> [Int64: CVEAllowlist] {
        guard !projectIDs.isEmpty else { return [:] }
        var query = SQLQueryString("SELECT project_id, expires_at, items, creation_time, update_time FROM cve_allowlists WHERE project_id IN (")
        query.appendInterpolation(binds: Array(Set(projectIDs)))
        query.appendInterpolation(unsafeRaw: ")")
        let final = query
        return try await database.read { db in
            var result: [Int64: CVEAllowlist] = [:]
            for row in try await db.raw(final).all() {
                let list = CVEAllowlist(
                    projectID: try row.decode(column: "project_id", as: Int64.self),
                    expiresAt: try row.decode(column: "expires_at", as: Int64?.self),
                    cveIDs: (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "items", as: String.self).utf8))) ?? [],
                    creationTime: try row.decode(column: "creation_time", as: Int64.self),
                    updateTime: try row.decode(column: "update_time", as: Int64.self))
                result[list.projectID] = list
            }
            return result
        }
    }

    public func put(_ list: CVEAllowlist, now: Int64 = WallClock.nowMillis()) async throws {
        let items = CanonicalJSON.string(list.cveIDs)
        try await database.write { db in
            try await db.raw("""
                INSERT INTO cve_allowlists (project_id, expires_at, items, creation_time, update_time)
                VALUES (\(bind: list.projectID), \(bind: list.expiresAt), \(bind: items), \(bind: now), \(bind: now))
                ON CONFLICT (project_id) DO UPDATE SET expires_at = excluded.expires_at, items = excluded.items,
                    update_time = excluded.update_time
                """).run()
        }
    }
}
