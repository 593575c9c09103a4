import Access
import Crypto
import Foundation
import Metadata

/// The portal's sign-in through an OpenID provider: the authorization code flow with PKCE
/// (RFC 7636, S256), a state and a nonce. What the login must remember until the provider sends
/// the browser back (state, nonce, verifier) travels sealed in a cookie, so any node can finish
/// a login another node began. The callback verifies the ID token, creates the user at their
/// first sign-in (`oidc_auto_onboard`) with a CLI secret, and records their groups.
public struct OIDCSignIn: Sendable {
    let provider: OIDCProvider
    let settings: @Sendable () async throws -> OIDCSettings
    let users: UserStore
    let groups: UserGroupStore
    let oidcUsers: OIDCUserStore
    let sealer: any SecretSealer

    public init(provider: OIDCProvider, settings: @escaping @Sendable () async throws -> OIDCSettings, users: UserStore,
                groups: UserGroupStore, oidcUsers: OIDCUserStore, sealer: any SecretSealer) {
        self.provider = provider
        self.settings = settings
        self.users = users
        self.groups = groups
        self.oidcUsers = oidcUsers
        self.sealer = sealer
    }

    /// A login in progress; sealed into the cookie.
    struct Pending: Codable {
        let state: String
        let nonce: String
        let verifier: String
        let redirectURI: String
        /// Unix seconds; a login left longer than ten minutes starts again.
        let expires: Int64
    }

    static let pendingSeconds: Int64 = 600

    /// Where to send the browser, and the cookie value that must come back with it.
    public func begin(redirectURI: String) async throws -> (location: String, cookie: String) {
        let settings = try await usableSettings()
        let metadata = try await provider.metadata(settings)
        let pending = Pending(state: Self.random(), nonce: Self.random(), verifier: Self.random() + Self.random(),
                              redirectURI: redirectURI, expires: Int64(Date().timeIntervalSince1970) + Self.pendingSeconds)
        let challenge = Base64URL.encode(Data(SHA256.hash(data: Data(pending.verifier.utf8))))
        guard var location = URLComponents(string: metadata.authorization_endpoint) else {
            throw DirectoryUnavailable("the provider's authorization endpoint is not a URL")
        }
        location.queryItems = (location.queryItems ?? []) + [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: settings.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "scope", value: settings.scopes.joined(separator: " ")),
            URLQueryItem(name: "state", value: pending.state),
            URLQueryItem(name: "nonce", value: pending.nonce),
            URLQueryItem(name: "code_challenge", value: challenge),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        let cookie = try sealer.seal(String(decoding: try JSONEncoder().encode(pending), as: UTF8.self))
        return (location.string ?? metadata.authorization_endpoint, cookie)
    }

    /// Finishes the login the cookie began: the user, created or found, with their groups recorded.
    public func finish(code: String, state: String, cookie: String) async throws -> User {
        guard let opened = try? sealer.open(cookie), let pending = try? JSONDecoder().decode(Pending.self, from: Data(opened.utf8)) else {
            throw OIDCSignInError.refused("this sign-in was not started here, or its cookie was lost; sign in again")
        }
        guard ConstantTime.equal(Array(state.utf8), Array(pending.state.utf8)) else {
            throw OIDCSignInError.refused("the provider's answer is not for this sign-in (state)")
        }
        guard pending.expires >= Int64(Date().timeIntervalSince1970) else { throw OIDCSignInError.refused("the sign-in took too long; sign in again") }
        let settings = try await usableSettings()
        let tokens = try await provider.exchange(code: code, verifier: pending.verifier, redirectURI: pending.redirectURI, settings: settings)
        guard let idToken = tokens.id_token else { throw OIDCSignInError.refused("the provider sent no ID token (is `openid` in oidc_scope?)") }
        let claims = try await verify(idToken, nonce: pending.nonce, settings: settings)
        return try await onboard(claims, settings: settings)
    }

    /// Verifies with the provider's keys, reading them again once if the token names a new one.
    func verify(_ token: String, nonce: String?, settings: OIDCSettings) async throws -> IDTokenClaims {
        let metadata = try await provider.metadata(settings)
        let verifier = IDTokenVerifier(issuer: metadata.issuer, clientID: settings.clientID)
        do {
            do {
                return try verifier.verify(token, keys: try await provider.keys(settings), nonce: nonce)
            } catch IDTokenError.unknownKey {
                return try verifier.verify(token, keys: try await provider.keys(settings, fresh: true), nonce: nonce)
            }
        } catch let error as IDTokenError {
            throw OIDCSignInError.refused("\(error)")
        }
    }

    /// The Berth user of the token's subject: found by the subject, else created under the user
    /// claim's value when auto-onboarding is on. A name another account holds is refused, never
    /// taken over.
    func onboard(_ claims: IDTokenClaims, settings: OIDCSettings) async throws -> User {
        let issuer = claims.string("iss") ?? settings.endpoint
        let groupNames = settings.groupsClaim.isEmpty ? [] : claims.strings(settings.groupsClaim)
        let isAdmin = !settings.adminGroup.isEmpty && groupNames.contains(settings.adminGroup)
        let email = claims.string("email")
        let user: User
        if let linked = try await oidcUsers.find(issuer: issuer, subject: claims.subject),
           let existing = try await users.find(id: linked.userID) {
            guard let updated = try await users.onboard(username: existing.username, email: email, realname: nil, isGroupAdmin: isAdmin) else {
                throw OIDCSignInError.refused("the account \(existing.username) is a local one")
            }
            user = updated
        } else {
            guard settings.autoOnboard else {
                throw OIDCSignInError.refused("you have no account here yet and oidc_auto_onboard is off; ask an administrator")
            }
            guard let name = claims.string(settings.userClaim), !name.isEmpty else {
                throw OIDCSignInError.refused("the ID token has no \(settings.userClaim) claim to name the user (oidc_user_claim)")
            }
            // Names with ':' would break Basic sign-in with the CLI secret.
            if let violation = UsernamePolicy.violation(name) ?? (name.contains(":") ? "a username must not contain ':'" : nil) {
                throw OIDCSignInError.refused("the \(settings.userClaim) claim cannot be a username here: \(violation)")
            }
            guard try await users.find(username: name) == nil else {
                throw OIDCSignInError.refused("the username \(name) belongs to another account")
            }
            // A plain insert: a name taken meanwhile is refused, not shared.
            guard let created = try await users.create(username: name, passwordHash: "", isAdmin: false, email: email, realname: claims.string("name"))
            else { throw OIDCSignInError.refused("the username \(name) belongs to another account") }
            if isAdmin { _ = try await users.onboard(username: name, email: email, realname: nil, isGroupAdmin: true) }
            let secret = CLISecret.generate()
            guard try await oidcUsers.link(userID: created.id, issuer: issuer, subject: claims.subject,
                                           secretHash: try PasswordHasher.hash(secret), secretSealed: try sealer.seal(secret)) else {
                // The subject was linked by a sign-in running at the same time: this row is spare.
                _ = try await users.delete(id: created.id)
                throw OIDCSignInError.refused("this account was being created by another sign-in; sign in again")
            }
            user = created
        }
        try await groups.replaceMemberships(userID: user.id, groups: groupNames.map { DirectoryGroupName(name: $0, type: .oidc) })
        return user
    }

    private func usableSettings() async throws -> OIDCSettings {
        let settings: OIDCSettings
        do { settings = try await self.settings() } catch { throw DirectoryUnavailable("the OIDC settings cannot be read: \(error)") }
        if let problem = settings.problem { throw DirectoryUnavailable("OIDC is not configured: \(problem)") }
        return settings
    }

    /// 32 random bytes, base64url: 43 characters, as RFC 7636 asks of a verifier's entropy.
    static func random() -> String {
        Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }
}
