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
    /// Harbor 2.13's `operation_description`; nil reads as `<operation> <resource type>: <resource>`.
    public let description: String?
    /// Harbor 2.13's `operation_result`: false for an attempt that was refused.
    public let succeeded: Bool

    public init(projectID: Int64?, operation: String, resourceType: String, resource: String, username: String, time: Int64? = nil,
                description: String? = nil, succeeded: Bool = true) {
        self.projectID = projectID
        self.operation = operation
        self.resourceType = resourceType
        self.resource = resource
        self.username = username
        self.time = time ?? WallClock.nowMillis()
        self.description = description
        self.succeeded = succeeded
    }

    /// Harbor 2.13's event type (`create_artifact`, `delete_user`...), nil for lines only the
    /// legacy audit log shows. A push is `create_artifact`.
    public var eventType: String? {
        AuditEventType(rawValue: "\(operation == "push" ? "create" : operation)_\(resourceType)")?.rawValue
    }

    public var describedOperation: String {
        description ?? "\(operation == "push" ? "create" : operation) \(resourceType): \(resource)"
    }
}

/// The event types of Harbor 2.13's audit log ext, in Harbor's order.
public enum AuditEventType: String, CaseIterable, Sendable {
    case createArtifact = "create_artifact", deleteArtifact = "delete_artifact", pullArtifact = "pull_artifact"
    case createProject = "create_project", deleteProject = "delete_project", deleteRepository = "delete_repository"
    case loginUser = "login_user", logoutUser = "logout_user"
    case createUser = "create_user", deleteUser = "delete_user", updateUser = "update_user"
    case createRobot = "create_robot", deleteRobot = "delete_robot", updateConfiguration = "update_configuration"

    /// The (operation, resource type) pairs stored for this type.
    var stored: [(operation: String, resourceType: String)] {
        let parts = rawValue.split(separator: "_", maxSplits: 1).map(String.init)
        return parts[0] == "create" && parts[1] == "artifact" ? [("create", "artifact"), ("push", "artifact")] : [(parts[0], parts[1])]
    }
}

/// What is recorded and where: event types switched off (`disabled_audit_log_event_types`), a
/// syslog endpoint lines are forwarded to, and whether the database keeps them at all. The
/// composition root implements it over the system settings.
public protocol AuditPolicy: Sendable {
    func admits(_ event: AuditEvent) async -> Bool
    var keepsInDatabase: Bool { get async }
    /// Hands lines to the forwarder; never waits on the endpoint.
    func forward(_ events: [AuditEvent]) async
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
    /// Only lines of these Harbor 2.13 event types (the audit log ext); nil for every line.
    public var eventTypes: [AuditEventType]?

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
            var query = SQLQueryString("""
                INSERT INTO audit_logs (project_id, operation, resource_type, resource, username, op_time, operation_description,
                                        operation_result) VALUES
                """)
            for (index, event) in chunk.enumerated() {
                if index > 0 { query.appendInterpolation(unsafeRaw: ", ") }
                query.appendInterpolation(unsafeRaw: "(")
                query.appendInterpolation(bind: event.projectID)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(binds: [event.operation, event.resourceType, event.resource, event.username])
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.time)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.description)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.succeeded)
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
        if let types = filter.eventTypes {
            let pairs = types.flatMap(\.stored)
            condition.appendInterpolation(unsafeRaw: pairs.isEmpty ? " AND 1 = 0" : " AND (")
            for (index, pair) in pairs.enumerated() {
                condition.appendInterpolation(unsafeRaw: index == 0 ? "(operation = " : " OR (operation = ")
                condition.appendInterpolation(bind: pair.operation)
                condition.appendInterpolation(unsafeRaw: " AND resource_type = ")
                condition.appendInterpolation(bind: pair.resourceType)
                condition.appendInterpolation(unsafeRaw: ")")
            }
            if !pairs.isEmpty { condition.appendInterpolation(unsafeRaw: ")") }
        }
        let direction = filter.oldestFirst ? "ASC" : "DESC"
        let filter = condition
        return try await database.read { db in
            try await PagedQuery.run(db, columns: """
                id, project_id, operation, resource_type, resource, username, op_time, operation_description, operation_result
                """,
                                     from: "audit_logs", filter: filter, orderBy: "op_time \(direction), id \(direction)", page: page) { row in
                AuditLogEntry(id: try row.decode(column: "id", as: Int64.self), event: AuditEvent(
                    projectID: try row.decode(column: "project_id", as: Int64?.self),
                    operation: try row.decode(column: "operation", as: String.self),
                    resourceType: try row.decode(column: "resource_type", as: String.self),
                    resource: try row.decode(column: "resource", as: String.self),
                    username: try row.decode(column: "username", as: String.self),
                    time: try row.decode(column: "op_time", as: Int64.self),
                    description: try row.decode(column: "operation_description", as: String?.self),
                    succeeded: try row.decode(column: "operation_result", as: Bool.self)))
            }
        }
    }
}
