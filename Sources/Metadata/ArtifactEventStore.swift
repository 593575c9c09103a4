import Foundation
import SQLKit

/// An event written in the same transaction as the change it tells of (the webhooks' outbox), so
/// that a change that committed is announced even if the process dies right after.
public struct OutboxEvent: Sendable, Equatable {
    public static let pushed = "PUSH_ARTIFACT"
    public static let deleted = "DELETE_ARTIFACT"

    /// What the payload column holds for a push or a deletion.
    public struct Details: Codable, Sendable, Equatable {
        public var tags: [String]
        public var operatorName: String?

        public init(tags: [String], operatorName: String?) {
            self.tags = tags
            self.operatorName = operatorName
        }
    }

    public let type: String
    public let projectID: Int64
    public let repository: String
    public let digest: String
    public let details: Details

    public init(type: String, projectID: Int64, repository: String, digest: String, details: Details) {
        self.type = type
        self.projectID = projectID
        self.repository = repository
        self.digest = digest
        self.details = details
    }
}

/// A claimed outbox row.
public struct StoredOutboxEvent: Sendable, Equatable {
    public let id: Int64
    public let event: OutboxEvent
    public let createdAt: Int64
}

/// The `artifact_events` table: the webhooks' outbox for pushes and deletions, and (scanning's
/// record) `SCANNING_COMPLETED` results.
public struct ArtifactEventStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func record(_ eventType: String, projectID: Int64, repository: String, digest: String, payload: String) async throws {
        try await database.write { db in
            try await db.raw("""
                INSERT INTO artifact_events (event_type, project_id, repository, digest, payload, created_at)
                VALUES (\(bind: eventType), \(bind: projectID), \(bind: repository), \(bind: digest), \(bind: payload), \(bind: WallClock.nowMillis()))
                """).run()
        }
    }

    public func events(type: String) async throws -> [(repository: String, digest: String, payload: String)] {
        try await database.read { db in
            try await db.raw("SELECT repository, digest, payload FROM artifact_events WHERE event_type = \(bind: type) ORDER BY id").all().map {
                (try $0.decode(column: "repository", as: String.self), try $0.decode(column: "digest", as: String.self),
                 try $0.decode(column: "payload", as: String.self))
            }
        }
    }

    /// Writes `event` on its own (changes write theirs in their own transaction, below).
    public func append(_ event: OutboxEvent) async throws {
        try await database.write { db in try await Self.append(event, in: db) }
    }

    /// Writes `event` inside the caller's transaction.
    static func append(_ event: OutboxEvent, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO artifact_events (event_type, project_id, repository, digest, payload, created_at)
            VALUES (\(bind: event.type), \(bind: event.projectID), \(bind: event.repository), \(bind: event.digest),
                    \(bind: CanonicalJSON.string(event.details)), \(bind: WallClock.nowMillis()))
            """).run()
    }

    /// Whether unclaimed (or expired) events of these types wait: a read, so an idle dispatcher
    /// never takes the write lock.
    public func hasPending(types: [String], now: Int64 = WallClock.nowMillis()) async throws -> Bool {
        var query = SQLQueryString("SELECT id FROM artifact_events WHERE (claimed_until IS NULL OR claimed_until < \(bind: now)) AND event_type IN (")
        query.appendInterpolation(binds: types)
        query.appendInterpolation(unsafeRaw: ") LIMIT 1")
        let final = query
        return try await database.read { db in try await db.raw(final).first() != nil }
    }

    /// Takes up to `limit` of the oldest waiting events of these types for `leaseMillis`: another
    /// dispatcher (on any node) takes them only once the lease has run out, so an event whose
    /// dispatcher died is announced later, never lost.
    public func claim(types: [String], limit: Int, leaseMillis: Int64, now: Int64 = WallClock.nowMillis()) async throws -> [StoredOutboxEvent] {
        let lock = database.kind.lockRows(skipLocked: true)
        var pick = SQLQueryString("SELECT id FROM artifact_events WHERE (claimed_until IS NULL OR claimed_until < \(bind: now)) AND event_type IN (")
        pick.appendInterpolation(binds: types)
        pick.appendInterpolation(unsafeRaw: ") ORDER BY id LIMIT \(limit)")
        pick.appendInterpolation(lock)
        let select = pick
        return try await database.write { db in
            let ids = try await db.raw(select).all().map { try $0.decode(column: "id", as: Int64.self) }
            guard !ids.isEmpty else { return [] }
            var update = SQLQueryString("UPDATE artifact_events SET claimed_until = \(bind: now + leaseMillis) WHERE id IN (")
            update.appendInterpolation(binds: ids)
            update.appendInterpolation(unsafeRaw: ") RETURNING id, event_type, project_id, repository, digest, payload, created_at")
            return try await db.raw(update).all().map { row in
                let details = (try? JSONDecoder().decode(OutboxEvent.Details.self, from: Data(try row.decode(column: "payload", as: String.self).utf8)))
                    ?? OutboxEvent.Details(tags: [], operatorName: nil)
                return StoredOutboxEvent(
                    id: try row.decode(column: "id", as: Int64.self),
                    event: OutboxEvent(type: try row.decode(column: "event_type", as: String.self),
                                       projectID: try row.decode(column: "project_id", as: Int64.self),
                                       repository: try row.decode(column: "repository", as: String.self),
                                       digest: try row.decode(column: "digest", as: String.self), details: details),
                    createdAt: try row.decode(column: "created_at", as: Int64.self))
            }.sorted { $0.id < $1.id }
        }
    }

    public func delete(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        var query = SQLQueryString("DELETE FROM artifact_events WHERE id IN (")
        query.appendInterpolation(binds: ids)
        query.appendInterpolation(unsafeRaw: ")")
        let final = query
        try await database.write { db in try await db.raw(final).run() }
    }
}
