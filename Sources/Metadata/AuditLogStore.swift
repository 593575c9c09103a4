import SQLKit

/// One audit log line: who did what to which resource, and when.
public struct AuditEvent: Sendable, Equatable {
    public let projectID: Int64?
    /// Harbor's legacy operations: `create`, `delete`, `update`, `push`, `pull`.
    public let operation: String
    /// `project`, `repository`, `artifact`, `tag`, `user`, `robot`, `member`.
    public let resourceType: String
    /// What was acted on, e.g. `library/app:latest` or `library/app@sha256:...`. Never a secret.
    public let resource: String
    public let username: String
    public let time: Int64

    public init(projectID: Int64?, operation: String, resourceType: String, resource: String, username: String, time: Int64? = nil) {
        self.projectID = projectID
        self.operation = operation
        self.resourceType = resourceType
        self.resource = resource
        self.username = username
        self.time = time ?? WallClock.nowMillis()
    }
}

public struct AuditLogEntry: Sendable, Equatable {
    public let id: Int64
    public let event: AuditEvent
}

/// Which audit lines a listing returns: `projectIDs` nil means every project (and events without
/// one), exact and substring matches on the text columns.
public struct AuditLogFilter: Sendable {
    public var projectIDs: [Int64]?
    public var exact: [String: String] = [:]
    public var contains: [String: String] = [:]
    public var oldestFirst = false

    public static let columns: Set<String> = ["operation", "resource_type", "resource", "username"]

    public init(projectIDs: [Int64]?) { self.projectIDs = projectIDs }
}

/// The `audit_logs` table.
public struct AuditLogStore: Sendable {
    let database: MetadataDatabase
    /// Rows per INSERT statement, well under SQLite's bound-parameter limit.
    static let rowsPerStatement = 150

    public init(database: MetadataDatabase) { self.database = database }

    public func insert(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await database.write { db in try await Self.insert(events, in: db) }
    }

    static func insert(_ events: [AuditEvent], in db: any SQLDatabase) async throws {
        var start = 0
        while start < events.count {
            let chunk = events[start..<min(start + rowsPerStatement, events.count)]
            var query = SQLQueryString("INSERT INTO audit_logs (project_id, operation, resource_type, resource, username, op_time) VALUES ")
            for (index, event) in chunk.enumerated() {
                if index > 0 { query.appendInterpolation(unsafeRaw: ", ") }
                query.appendInterpolation(unsafeRaw: "(")
                query.appendInterpolation(bind: event.projectID)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(binds: [event.operation, event.resourceType, event.resource, event.username])
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.time)
                query.appendInterpolation(unsafeRaw: ")")
            }
            try await db.raw(query).run()
            start += rowsPerStatement
        }
    }

    public func list(_ filter: AuditLogFilter, page: OffsetRequest) async throws -> Page<AuditLogEntry> {
        if let ids = filter.projectIDs, ids.isEmpty { return Page(items: [], total: 0) }
        var condition = SQLQueryString(" WHERE 1 = 1")
        if let ids = filter.projectIDs {
            condition.appendInterpolation(unsafeRaw: " AND project_id IN (")
            condition.appendInterpolation(binds: ids)
            condition.appendInterpolation(unsafeRaw: ")")
        }
        for (column, value) in filter.exact.sorted(by: { $0.key < $1.key }) where AuditLogFilter.columns.contains(column) {
            condition.appendInterpolation(unsafeRaw: " AND \(column) = ")
            condition.appendInterpolation(bind: value)
        }
        for (column, value) in filter.contains.sorted(by: { $0.key < $1.key }) where AuditLogFilter.columns.contains(column) {
            condition.appendContains(column, value)
        }
        let direction = filter.oldestFirst ? "ASC" : "DESC"
        let filter = condition
        return try await database.read { db in
            try await PagedQuery.run(db, columns: "id, project_id, operation, resource_type, resource, username, op_time",
                                     from: "audit_logs", filter: filter, orderBy: "op_time \(direction), id \(direction)", page: page) { row in
                AuditLogEntry(id: try row.decode(column: "id", as: Int64.self), event: AuditEvent(
                    projectID: try row.decode(column: "project_id", as: Int64?.self),
                    operation: try row.decode(column: "operation", as: String.self),
                    resourceType: try row.decode(column: "resource_type", as: String.self),
                    resource: try row.decode(column: "resource", as: String.self),
                    username: try row.decode(column: "username", as: String.self),
                    time: try row.decode(column: "op_time", as: Int64.self)))
            }
        }
    }
}
