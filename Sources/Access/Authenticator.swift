import Crypto
import Foundation
import Metadata
import NIOConcurrencyHelpers
import RequestGrammar

/// Turns an `Authorization` header into an identity: Basic for users and robots (`robot$...`),
/// Bearer for tokens from the token service.
///
/// PBKDF2 costs tens of milliseconds by design, far too much for every registry request, so a
/// successful check is remembered under an HMAC of the credentials (keyed with a per-process secret,
/// so the cache holds nothing that could be tested offline) together with the stored hash it was
/// checked against. Each request still reads the account, so a changed password, a refreshed,
/// disabled or expired robot stops working at once, on every node.
public final class Authenticator: Sendable {
    public enum Result: Sendable, Equatable {
        case none
        case authenticated(Identity)
        /// Credentials were presented and are wrong (or the account may not log in now).
        case rejected(String)
    }

    public static let robotPrefix = "robot$"

    private let users: UserStore
    private let robots: RobotStore
    private let signer: TokenSigner
    private let throttle: LoginThrottle
    /// Portal sessions (`sid` cookies); nil where there is no portal.
    public let sessions: PortalSessions?
    /// Sign-in through LDAP, when configured; consulted only in `ldap_auth` mode.
    public let directory: DirectorySignIn?
    /// OIDC users' CLI secrets, checked in `oidc_auth` mode.
    let oidcUsers: OIDCUserStore?
    /// `auth_mode` now, read per sign-in so that a change made on any node applies on all.
    let authMode: @Sendable () async -> AuthMode
    private let cacheKey = SymmetricKey(size: .bits256)
    private let verified = NIOLockedValueBox<[Data: String]>([:])
    private let verifiedTokens = VerifiedTokenCache()

    public init(users: UserStore, robots: RobotStore, signer: TokenSigner, throttle: LoginThrottle = LoginThrottle(),
                sessions: SessionStore? = nil, directory: DirectorySignIn? = nil, oidcUsers: OIDCUserStore? = nil,
                authMode: @escaping @Sendable () async -> AuthMode = { .database }) {
        self.users = users
        self.directory = directory
        self.oidcUsers = oidcUsers
        self.authMode = authMode
        self.sessions = sessions.map(PortalSessions.init)
        self.robots = robots
        self.signer = signer
        self.throttle = throttle
    }

    /// `acceptBearer` is true only for `/v2/`: registry tokens must not renew themselves at the
    /// token service or act as a login to the API, or a disabled account would keep its access.
    public func authenticate(authorization header: String?, address: String?, acceptBearer: Bool = true) async throws -> Result {
        let credentials: BasicCredentials
        switch AuthorizationHeader(header) {
        case nil:
            return .none
        case .bearer(let token):
            guard acceptBearer else { return .rejected("registry tokens are only accepted by /v2/") }
            let now = Int64(Date().timeIntervalSince1970)
            if let grant = verifiedTokens.grant(for: token, now: now) { return .authenticated(.token(grant)) }
            guard let claims = signer.verify(token, now: now) else { return .rejected("invalid or expired token") }
            let grant = TokenGrant(claims: claims)
            verifiedTokens.keep(token, grant: grant, claims: claims, now: now)
            return .authenticated(.token(grant))
        case .unsupported:
            return .rejected("unsupported Authorization header")
        case .basic(let basic):
            credentials = basic
        }
        // containers/image sends `Basic Og==` (empty name and password) when it has none.
        if credentials.username.isEmpty && credentials.password.isEmpty { return .none }
        return try await authenticate(username: credentials.username, password: credentials.password, address: address)
    }

    public func authenticate(username: String, password: String, address: String?) async throws -> Result {
        if throttle.isBlocked(username: username, address: address) {
            return .rejected("too many failed logins; try again later")
        }
        let result = username.hasPrefix(Self.robotPrefix)
            ? try await robot(String(username.dropFirst(Self.robotPrefix.count)), secret: password)
            : try await user(username, password: password)
        if case .authenticated = result {
            throttle.recordSuccess(username: username, address: address)
        } else {
            throttle.recordFailure(username: username, address: address)
        }
        return result
    }

    private func user(_ username: String, password: String) async throws -> Result {
        let local = try await users.find(username: username)
        // With a directory or provider in use, everyone but the first administrator signs in
        // through it, as in Harbor: that account stays usable when the directory is not.
        if local?.id != Self.firstAdministratorID {
            switch await authMode() {
            case .database:
                break
            case .ldap:
                guard let directory, !password.isEmpty,
                      let userID = try await directory.signIn(username: username, password: password, key: credentialKey(username, password)),
                      let user = local?.id == userID ? local : try await users.find(id: userID)
                else { return .rejected("invalid username or password") }
                return .authenticated(.user(id: user.id, name: user.username, isAdmin: user.hasAdminRights))
            case .oidc:
                // Clients cannot follow a browser sign-in: they send the user's CLI secret.
                guard let user = local, let oidcUsers, let linked = try await oidcUsers.find(userID: user.id) else {
                    // As long as a real check: the time taken must not tell which names exist.
                    _ = PasswordHasher.verify(password, against: Self.decoyHash)
                    return .rejected("invalid username or CLI secret")
                }
                guard check(username, password, against: linked.secretHash) else { return .rejected("invalid username or CLI secret") }
                return .authenticated(.user(id: user.id, name: user.username, isAdmin: user.hasAdminRights))
            }
        }
        guard let user = local else {
            // Spend the same time as a real check so that timing does not reveal which names exist.
            _ = PasswordHasher.verify(password, against: Self.decoyHash)
            return .rejected("invalid username or password")
        }
        guard check(username, password, against: user.passwordHash) else { return .rejected("invalid username or password") }
        return .authenticated(.user(id: user.id, name: user.username, isAdmin: user.hasAdminRights))
    }

    private func robot(_ storedName: String, secret: String) async throws -> Result {
        guard let robot = try await robots.find(name: storedName) else {
            _ = PasswordHasher.verify(secret, against: Self.decoyHash)
            return .rejected("invalid robot name or secret")
        }
        guard check(Self.robotPrefix + storedName, secret, against: robot.secretHash) else {
            return .rejected("invalid robot name or secret")
        }
        if robot.disabled { return .rejected("robot account is disabled") }
        if robot.expiresAt >= 0 && robot.expiresAt < Int64(Date().timeIntervalSince1970) {
            return .rejected("robot account has expired")
        }
        let permissions = (try? JSONDecoder().decode([RobotPermission].self, from: Data(robot.permissionsJSON.utf8))) ?? []
        return .authenticated(.robot(RobotIdentity(id: robot.id, name: Self.robotPrefix + robot.name, permissions: permissions)))
    }

    /// Verifies `secret` against `storedHash`, consulting and filling the cache of recent successes.
    private func check(_ name: String, _ secret: String, against storedHash: String) -> Bool {
        let key = credentialKey(name, secret)
        if let cached = verified.withLockedValue({ $0[key] }),
           ConstantTime.equal(Array(cached.utf8), Array(storedHash.utf8)) {
            return true
        }
        guard PasswordHasher.verify(secret, against: storedHash) else { return false }
        verified.withLockedValue { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[key] = storedHash
        }
        return true
    }

    /// The cache key of a name and secret: an HMAC under a key of this process only.
    private func credentialKey(_ name: String, _ secret: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Array("\(name)\u{0}\(secret)".utf8), using: cacheKey))
    }

    /// The administrator Berth creates at first start (Harbor's user 1).
    public static let firstAdministratorID: Int64 = 1

    private static let decoyHash = (try? PasswordHasher.hash(UUID().uuidString)) ?? ""
}
