import SQLKit

/// Portal login sessions. The cookie holds a random token; the table holds its SHA-256, so a copy
/// of the database opens no session. A session ends after `idleTimeout` without use; each use
/// pushes its end forward, written at most once a minute so that a busy page is not a write per
/// request. Whatever its use, it ends `maximumLifetime` after the login, so a page left open
/// does not stay logged in for ever.
public struct SessionStore: Sendable {
    let database: MetadataDatabase
    /// Harbor's `session_timeout` in milliseconds (60 minutes unless configured), read when used so
    /// that a change through `/configurations` applies to the next request.
    let idleTimeout: @Sendable () async -> Int64
    public let maximumLifetime: Int64

    public init(database: MetadataDatabase, idleTimeoutMillis: Int64 = 60 * 60 * 1000, maximumLifetimeMillis: Int64 = 12 * 60 * 60 * 1000) {
        self.init(database: database, idleTimeout: { idleTimeoutMillis }, maximumLifetimeMillis: maximumLifetimeMillis)
    }

    public init(database: MetadataDatabase, idleTimeout: @escaping @Sendable () async -> Int64,
                maximumLifetimeMillis: Int64 = 12 * 60 * 60 * 1000) {
        self.database = database
        self.idleTimeout = idleTimeout
        self.maximumLifetime = maximumLifetimeMillis
    }

    /// `now` is the clock's unless a test sets it.
    public func create(tokenHash: String, userID: Int64, now: Int64 = WallClock.nowMillis()) async throws {
        let idleTimeout = await idleTimeout()
        try await database.write { db in
            try await db.raw("""
                INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
                VALUES (\(bind: tokenHash), \(bind: userID), \(bind: now), \(bind: now + idleTimeout))
                """).run()
        }
    }

    /// The session's user while the session lives, else nil.
    public func user(tokenHash: String, now: Int64 = WallClock.nowMillis()) async throws -> User? {
        let found = try await database.read { db in
            try await db.raw("""
                SELECT s.expires_at, \(UserStore.columns(prefix: "u.")) FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = \(bind: tokenHash) AND s.expires_at > \(bind: now) AND s.created_at > \(bind: now - maximumLifetime)
                """).first().map { (try $0.decode(column: "expires_at", as: Int64.self), try UserStore.user($0)) }
        }
        guard let (expiresAt, user) = found else { return nil }
        let idleTimeout = await idleTimeout()
        if now + idleTimeout - expiresAt > 60_000 {
            try await database.write { db in
                try await db.raw("UPDATE sessions SET expires_at = \(bind: now + idleTimeout) WHERE token_hash = \(bind: tokenHash)").run()
            }
        }
        return user
    }

    public func delete(tokenHash: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: tokenHash)").run()
        }
    }

    /// Ends the user's sessions but `keeping` (the one that changed the password, say).
    public func deleteAll(userID: Int64, keeping: String? = nil) async throws {
        try await database.write { db in
            try await db.raw("""
                DELETE FROM sessions WHERE user_id = \(bind: userID) AND token_hash <> \(bind: keeping ?? "")
                """).run()
        }
    }

    /// Removes ended sessions; returns how many.
    @discardableResult
    public func purgeExpired(now: Int64 = WallClock.nowMillis()) async throws -> Int {
        try await database.write { db in
            try await db.raw("""
                DELETE FROM sessions WHERE expires_at <= \(bind: now) OR created_at <= \(bind: now - maximumLifetime) RETURNING token_hash
                """).all().count
        }
    }
}
