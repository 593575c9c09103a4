import Crypto
import Foundation
import Metadata

/// The portal's login sessions: a random cookie value for the browser, its SHA-256 in the
/// database. The user is read with the session on every request, so a deleted user or a revoked
/// administrator loses that at once, on every node.
public struct PortalSessions: Sendable {
    let store: SessionStore

    public init(store: SessionStore) { self.store = store }

    /// Opens a session for the user and returns the cookie value.
    public func open(userID: Int64) async throws -> String {
        let token = Self.randomToken()
        try await store.create(tokenHash: Self.hash(token), userID: userID)
        return token
    }

    /// The identity of a live session, else nil (unknown, ended, or malformed cookie).
    public func identity(cookie: String) async throws -> Identity? {
        guard Self.isWellFormed(cookie), let user = try await store.user(tokenHash: Self.hash(cookie)) else { return nil }
        return .user(id: user.id, name: user.username, isAdmin: user.hasAdminRights)
    }

    /// Removes sessions that have ended (each login tidies up after the others).
    public func purgeExpired() async throws {
        try await store.purgeExpired()
    }

    public func close(cookie: String) async throws {
        guard Self.isWellFormed(cookie) else { return }
        try await store.delete(tokenHash: Self.hash(cookie))
    }

    /// Ends every session of the user except the one whose cookie is `keeping`.
    public func closeAll(userID: Int64, keeping cookie: String?) async throws {
        try await store.deleteAll(userID: userID, keeping: cookie.map(Self.hash))
    }

    /// A fresh random value for a cookie: 32 bytes, base64url without padding.
    public static func randomToken() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func isWellFormed(_ cookie: String) -> Bool {
        cookie.count == 43 && cookie.utf8.allSatisfy { $0 == 45 || $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }
}
