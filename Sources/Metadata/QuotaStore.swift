import OCI
import SQLKit

/// A project's storage quota.
public struct Quota: Sendable, Equatable {
    public let id: Int64
    public let projectID: Int64
    /// Bytes, or `QuotaStore.unlimited`.
    public let hard: Int64
    public let used: Int64
    public let creationTime: Int64
    public let updateTime: Int64
}

/// Project quotas: a hard limit per project, and usage computed from the reference tables when it is
/// asked for. There is no usage counter to update on every push, so concurrent pushes into one
/// project never wait on one another (Harbor #21075: its quota row serialises them). The price is
/// that pushes racing each other near the limit may together pass it by what they had in flight.
public struct QuotaStore: Sendable {
    public static let unlimited: Int64 = -1
    /// Harbor's ceiling: 1024 TB.
    public static let maximum: Int64 = 1024 * 1024 * 1024 * 1024 * 1024

    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    static func create(projectID: Int64, hard: Int64, now: Int64, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO quotas (reference, reference_id, hard, creation_time, update_time)
            VALUES ('project', \(bind: projectID), \(bind: hard), \(bind: now), \(bind: now))
            ON CONFLICT (reference, reference_id) DO NOTHING
            """).run()
    }

    /// Whether `hard` is a limit Harbor accepts: -1 (unlimited) or 1 byte to 1024 TB.
    public static func isValid(hard: Int64) -> Bool {
        hard == unlimited || (1...maximum).contains(hard)
    }

    /// The bytes of distinct blobs and manifests the project's repositories hold: blobs a manifest
    /// uses or a push in flight uploaded, and the manifests themselves (Harbor stores manifests as
    /// blobs and counts them). What two repositories of the project share counts once.
    static func usage(projectID: Int64, in db: any SQLDatabase) async throws -> Int64 {
        try await db.raw("""
            SELECT CAST(COALESCE(SUM(u.size), 0) AS BIGINT) AS used FROM (
                SELECT DISTINCT b.digest, b.size FROM repositories r
                JOIN repository_blobs rb ON rb.repository_id = r.id JOIN blobs b ON b.digest = rb.digest
                WHERE r.project_id = \(bind: projectID) AND (rb.referenced = FALSE OR EXISTS (
                    SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
                    WHERE mb.digest = rb.digest AND m.repository_id = rb.repository_id))
                UNION
                SELECT DISTINCT m.digest, m.size FROM repositories r JOIN manifests m ON m.repository_id = r.id
                WHERE r.project_id = \(bind: projectID)) u
            """).first()?.decode(column: "used", as: Int64.self) ?? 0
    }

    /// The excess if a manifest of `size` bytes pushed into the project would pass its limit (a
    /// manifest the project already holds adds nothing).
    public func excess(projectID: Int64, addingManifest digest: Digest, size: Int64) async throws -> QuotaExcess? {
        try await database.read { db in
            guard let hard = try await Self.hard(projectID: projectID, in: db) else { return nil }
            let held = try await db.raw("""
                SELECT 1 AS held FROM manifests m JOIN repositories r ON r.id = m.repository_id
                WHERE r.project_id = \(bind: projectID) AND m.digest = \(bind: digest.description) LIMIT 1
                """).first() != nil
            guard !held else { return nil }
            let used = try await Self.usage(projectID: projectID, in: db)
            return used + size > hard ? QuotaExcess(adding: size, used: used, hard: hard) : nil
        }
    }

    /// The project's limit, or nil when it has none.
    static func hard(projectID: Int64, in db: any SQLDatabase) async throws -> Int64? {
        guard let hard = try await db.raw("SELECT hard FROM quotas WHERE reference = 'project' AND reference_id = \(bind: projectID)")
            .first()?.decode(column: "hard", as: Int64.self), hard != unlimited else { return nil }
        return hard
    }

    public func quota(projectID: Int64) async throws -> Quota? {
        try await database.read { db in
            guard let row = try await db.raw("SELECT * FROM quotas WHERE reference = 'project' AND reference_id = \(bind: projectID)").first() else {
                return nil
            }
            return try await Self.quota(row, in: db)
        }
    }

    public func quota(id: Int64) async throws -> Quota? {
        try await database.read { db in
            guard let row = try await db.raw("SELECT * FROM quotas WHERE id = \(bind: id)").first() else { return nil }
            return try await Self.quota(row, in: db)
        }
    }

    /// Quotas of projects, optionally one project, by id; `usedFirst` sorts by usage.
    public func list(projectID: Int64?, page: OffsetRequest) async throws -> Page<Quota> {
        try await database.read { db in
            var filter = SQLQueryString(" WHERE reference = 'project'")
            if let projectID { filter.appendInterpolation(unsafeRaw: " AND reference_id = "); filter.appendInterpolation(bind: projectID) }
            let rows = try await PagedQuery.run(db, columns: "*", from: "quotas", filter: filter, orderBy: "id", page: page) { $0 }
            var items: [Quota] = []
            for row in rows.items { items.append(try await Self.quota(row, in: db)) }
            return Page(items: items, total: rows.total)
        }
    }

    /// Sets the hard limit; false when there is no such quota. A limit below the usage is allowed
    /// (as in Harbor): pushes that add storage are refused until usage falls.
    public func setHard(id: Int64, hard: Int64) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("UPDATE quotas SET hard = \(bind: hard), update_time = \(bind: WallClock.nowMillis()) WHERE id = \(bind: id) RETURNING id").all()).isEmpty
        }
    }

    /// The excess if adding these stored blobs (a mount, a copy) would pass the project's limit.
    public func excess(projectID: Int64, adding digests: [Digest]) async throws -> QuotaExcess? {
        guard !digests.isEmpty else { return nil }
        let sizes = try await database.read { db -> [(digest: Digest, size: Int64)] in
            var query = SQLQueryString("SELECT digest, size FROM blobs WHERE digest IN (")
            query.appendInterpolation(binds: Set(digests).map(\.description))
            query.appendInterpolation(unsafeRaw: ")")
            return try await db.raw(query).all().map { (try Digest(parsing: $0.decode(column: "digest", as: String.self)), try $0.decode(column: "size", as: Int64.self)) }
        }
        return try await excess(projectID: projectID, adding: sizes)
    }

    /// What adding `blobs` to the project would bring usage to, when that passes its limit; nil
    /// when it fits (or the project is unlimited). Blobs the project already holds add nothing.
    public func excess(projectID: Int64, adding blobs: [(digest: Digest, size: Int64)]) async throws -> QuotaExcess? {
        try await database.read { db in
            guard let hard = try await Self.hard(projectID: projectID, in: db) else { return nil }
            var adding: Int64 = 0
            for (digest, size) in Dictionary(blobs.map { ($0.digest, $0.size) }, uniquingKeysWith: { a, _ in a }) {
                // held as usage counts it: a link a manifest uses, or a push in flight
                let held = try await db.raw("""
                    SELECT 1 AS held FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                    WHERE r.project_id = \(bind: projectID) AND rb.digest = \(bind: digest.description) AND (rb.referenced = FALSE OR EXISTS (
                        SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
                        WHERE mb.digest = rb.digest AND m.repository_id = rb.repository_id))
                    LIMIT 1
                    """).first() != nil
                if !held { adding += size }
            }
            guard adding > 0 else { return nil }
            let used = try await Self.usage(projectID: projectID, in: db)
            return used + adding > hard ? QuotaExcess(adding: adding, used: used, hard: hard) : nil
        }
    }

    static func quota(_ row: any SQLRow, in db: any SQLDatabase) async throws -> Quota {
        let projectID = try row.decode(column: "reference_id", as: Int64.self)
        return Quota(id: try row.decode(column: "id", as: Int64.self), projectID: projectID, hard: try row.decode(column: "hard", as: Int64.self),
                     used: try await usage(projectID: projectID, in: db), creationTime: try row.decode(column: "creation_time", as: Int64.self),
                     updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}

/// A refused addition, with Harbor's message.
public struct QuotaExcess: Sendable, Equatable {
    public let adding: Int64
    public let used: Int64
    public let hard: Int64

    public var message: String {
        "Quota exceeded when processing the request of adding \(ByteCount.human(adding)) of storage resource, which when updated to "
            + "current usage of \(ByteCount.human(used)) will exceed the configured upper limit of \(ByteCount.human(hard))."
    }
}
