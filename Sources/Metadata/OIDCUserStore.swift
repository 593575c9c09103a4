import SQLKit

/// Which Berth user an OpenID provider's subject is, and their CLI secret: the password docker
/// and skopeo use, since they cannot follow a browser sign-in. The secret is kept twice: a hash
/// to check it, sealed to show it to its owner (Harbor's profile shows it).
public struct OIDCUserStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    static let columns: SQLQueryString = "user_id, issuer, subject, secret_hash, secret_sealed, creation_time, update_time"

    public func find(issuer: String, subject: String) async throws -> OIDCUser? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM oidc_users WHERE issuer = \(bind: issuer) AND subject = \(bind: subject)")
                .first().map(Self.oidcUser)
        }
    }

    public func find(userID: Int64) async throws -> OIDCUser? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM oidc_users WHERE user_id = \(bind: userID)").first().map(Self.oidcUser)
        }
    }

    /// Links the user to the provider's subject with a first CLI secret; false when the user or
    /// the subject is linked already.
    public func link(userID: Int64, issuer: String, subject: String, secretHash: String, secretSealed: String) async throws -> Bool {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            !(try await db.raw("""
                INSERT INTO oidc_users (user_id, issuer, subject, secret_hash, secret_sealed, creation_time, update_time)
                VALUES (\(bind: userID), \(bind: issuer), \(bind: subject), \(bind: secretHash), \(bind: secretSealed), \(bind: now), \(bind: now))
                ON CONFLICT DO NOTHING RETURNING user_id
                """).all()).isEmpty
        }
    }

    public func replaceSecret(userID: Int64, secretHash: String, secretSealed: String) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("""
                UPDATE oidc_users SET secret_hash = \(bind: secretHash), secret_sealed = \(bind: secretSealed),
                update_time = \(bind: WallClock.nowMillis()) WHERE user_id = \(bind: userID) RETURNING user_id
                """).all()).isEmpty
        }
    }

    static func oidcUser(_ row: any SQLRow) throws -> OIDCUser {
        OIDCUser(userID: try row.decode(column: "user_id", as: Int64.self),
                 issuer: try row.decode(column: "issuer", as: String.self),
                 subject: try row.decode(column: "subject", as: String.self),
                 secretHash: try row.decode(column: "secret_hash", as: String.self),
                 secretSealed: try row.decode(column: "secret_sealed", as: String.self),
                 createdAt: try row.decode(column: "creation_time", as: Int64.self),
                 updatedAt: try row.decode(column: "update_time", as: Int64.self))
    }
}

public struct OIDCUser: Sendable, Equatable {
    public let userID: Int64
    public let issuer: String
    public let subject: String
    public let secretHash: String
    public let secretSealed: String
    public let createdAt: Int64
    public let updatedAt: Int64
}
