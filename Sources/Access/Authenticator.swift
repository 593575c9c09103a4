import Crypto
import Foundation
import Metadata
import NIOConcurrencyHelpers

/// Checks username/password pairs against the user store.
///
/// PBKDF2 costs tens of milliseconds by design, far too much for every registry request, so a
/// successful check is remembered for a short time under an HMAC of the credentials keyed with a
/// per-process secret: the cache never holds a password or anything that could be tested offline.
public final class Authenticator: Sendable {
    private let users: UserStore
    private let cacheKey = SymmetricKey(size: .bits256)
    private let verified = NIOLockedValueBox<[Data: (user: User, expires: Date)]>([:])
    private let cacheLifetime: TimeInterval

    public init(users: UserStore, cacheLifetime: TimeInterval = 300) {
        self.users = users
        self.cacheLifetime = cacheLifetime
    }

    /// The user, or nil when the name is unknown or the password is wrong.
    public func authenticate(username: String, password: String) async throws -> User? {
        let key = Data(HMAC<SHA256>.authenticationCode(for: Array("\(username)\u{0}\(password)".utf8), using: cacheKey))
        let now = Date()
        if let hit = verified.withLockedValue({ $0[key] }), hit.expires > now {
            return hit.user
        }
        guard let user = try await users.find(username: username) else {
            // Spend the same time as a real check so that timing does not reveal which names exist.
            _ = PasswordHasher.verify(password, against: Self.decoyHash)
            return nil
        }
        guard PasswordHasher.verify(password, against: user.passwordHash) else { return nil }
        verified.withLockedValue { cache in
            if cache.count > 10_000 { cache = cache.filter { $0.value.expires > now } }
            cache[key] = (user, now.addingTimeInterval(cacheLifetime))
        }
        return user
    }

    /// Forgets every cached check (after a password change or a user is removed).
    public func invalidateCache() {
        verified.withLockedValue { $0.removeAll() }
    }

    private static let decoyHash = (try? PasswordHasher.hash(UUID().uuidString)) ?? ""
}

/// `Authorization: Basic <base64(user:password)>`
public struct BasicCredentials: Sendable, Equatable {
    public let username: String
    public let password: String

    public init?(authorizationHeader value: String) {
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8),
              let colon = text.firstIndex(of: ":")
        else { return nil }
        username = String(text[..<colon])
        password = String(text[text.index(after: colon)...])
    }
}
