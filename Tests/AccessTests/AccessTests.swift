import BerthTestSupport
import Foundation
import Metadata
import Testing
@testable import Access

@Suite struct PasswordTests {
    @Test func hashVerifiesOnlyTheRightPassword() throws {
        let encoded = try PasswordHasher.hash("Correct-Horse-1")
        #expect(encoded.hasPrefix("pbkdf2-sha256$210000$"))
        #expect(PasswordHasher.verify("Correct-Horse-1", against: encoded))
        #expect(!PasswordHasher.verify("Correct-Horse-2", against: encoded))
        #expect(!PasswordHasher.verify("", against: encoded))
    }

    @Test func saltsDiffer() throws {
        #expect(try PasswordHasher.hash("same") != PasswordHasher.hash("same"))
    }

    @Test func malformedHashesNeverVerify() {
        for bad in ["", "plain", "pbkdf2-sha256$0$AA==$AA==", "pbkdf2-sha256$x$AA==$AA==", "md5$1$a$b"] {
            #expect(!PasswordHasher.verify("x", against: bad))
        }
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2], [1, 2, 3]))
    }
}

@Suite struct AuthenticatorTests {
    static func signer() throws -> TokenSigner {
        try TokenSigner(privateKey: .init(keySize: .bits2048))
    }

    @Test func usersRobotsAndTokens() async throws {
        try await TestDatabase.with { db in
            let users = UserStore(database: db), robots = RobotStore(database: db)
            try await users.create(username: "alice", passwordHash: try PasswordHasher.hash("Alice-Passw0rd"), isAdmin: false)
            let signer = try Self.signer()
            let authenticator = Authenticator(users: users, robots: robots, signer: signer)
            let basic = { (user: String, password: String) in "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }

            #expect(try await authenticator.authenticate(authorization: nil, address: nil) == .none)
            #expect(try await authenticator.authenticate(authorization: "Basic Og==", address: nil) == .none)
            let alice = Identity.user(id: 1, name: "alice", isAdmin: false)
            #expect(try await authenticator.authenticate(authorization: basic("alice", "Alice-Passw0rd"), address: "a") == .authenticated(alice))
            #expect(try await authenticator.authenticate(authorization: basic("alice", "Alice-Passw0rd"), address: "a") == .authenticated(alice))
            #expect(try await authenticator.authenticate(authorization: basic("alice", "wrong"), address: "a") == .rejected("invalid username or password"))
            #expect(try await authenticator.authenticate(authorization: basic("nobody", "x"), address: "a") == .rejected("invalid username or password"))

            let permissions = #"[{"kind":"project","namespace":"library","access":[{"resource":"repository","action":"push"}]}]"#
            let robot = try #require(try await robots.create(NewRobot(
                name: "library+ci", description: nil, projectID: nil, level: "project", secretHash: try PasswordHasher.hash("Robot-Secret1"),
                disabled: false, duration: -1, expiresAt: -1, permissionsJSON: permissions, creator: "admin")))
            guard case .authenticated(.robot(let identity)) = try await authenticator.authenticate(authorization: basic("robot$library+ci", "Robot-Secret1"), address: nil) else {
                Issue.record("robot did not authenticate"); return
            }
            #expect(identity.name == "robot$library+ci" && identity.permissions.first?.namespace == "library")
            // A refreshed secret stops the old one at once, even though it was cached.
            #expect(try await robots.replaceSecret(id: robot.id, secretHash: try PasswordHasher.hash("Robot-Secret2")))
            #expect(try await authenticator.authenticate(authorization: basic("robot$library+ci", "Robot-Secret1"), address: nil) == .rejected("invalid robot name or secret"))
            #expect(try await robots.update(id: robot.id, description: nil, disabled: true, duration: -1, expiresAt: -1, permissionsJSON: permissions))
            #expect(try await authenticator.authenticate(authorization: basic("robot$library+ci", "Robot-Secret2"), address: nil) == .rejected("robot account is disabled"))
            #expect(try await robots.update(id: robot.id, description: nil, disabled: false, duration: 1, expiresAt: 1000, permissionsJSON: permissions))
            #expect(try await authenticator.authenticate(authorization: basic("robot$library+ci", "Robot-Secret2"), address: nil) == .rejected("robot account has expired"))

            let issuedAt = Int64(Date().timeIntervalSince1970)
            let token = try signer.sign(TokenClaims(subject: "alice", access: [TokenAccess(type: "repository", name: "library/app", actions: ["pull"])],
                                                    issuedAt: issuedAt, lifetime: 60))
            #expect(try await authenticator.authenticate(authorization: "Bearer " + token, address: nil) ==
                    .authenticated(.token(TokenGrant(subject: "alice", repositories: ["library/app": [.pull]], catalog: false, issuedAt: issuedAt))))
            #expect(try await authenticator.authenticate(authorization: "Bearer " + token, address: nil, acceptBearer: false) ==
                    .rejected("registry tokens are only accepted by /v2/"))
            #expect(try await authenticator.authenticate(authorization: "Bearer " + token.dropLast(3) + "abc", address: nil) == .rejected("invalid or expired token"))
        }
    }

    @Test func throttleBlocksRepeatedFailures() {
        let throttle = LoginThrottle(limit: 3, addressLimit: 5, window: 60)
        let now = Date()
        for _ in 0..<3 { throttle.recordFailure(username: "u", address: "1.2.3.4", now: now) }
        #expect(throttle.isBlocked(username: "u", address: "1.2.3.4", now: now))
        #expect(!throttle.isBlocked(username: "u", address: "5.6.7.8", now: now))
        #expect(!throttle.isBlocked(username: "u", address: "1.2.3.4", now: now.addingTimeInterval(61)))
        for name in ["a", "b"] { throttle.recordFailure(username: name, address: "1.2.3.4", now: now) }
        #expect(throttle.isBlocked(username: "fresh", address: "1.2.3.4", now: now))
    }
}

@Suite struct TokenTests {
    @Test func signAndVerify() throws {
        let signer = try AuthenticatorTests.signer()
        let now: Int64 = 1_800_000_000
        let claims = TokenClaims(subject: "", access: [TokenAccess(type: "repository", name: "library/a", actions: [])], issuedAt: now, lifetime: 1800)
        let token = try signer.sign(claims)
        #expect(signer.verify(token, now: now + 10) == claims)
        #expect(signer.verify(token, now: now + 1800 + 61) == nil)
        #expect(try AuthenticatorTests.signer().verify(token, now: now) == nil)
        let payload = String(token.split(separator: ".")[1])
        #expect(Base64URL.decode(payload).flatMap { String(data: $0, encoding: .utf8) }?.contains("\"exp\":1800001800") == true)
    }
}
