import BerthTestSupport
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

    @Test func basicCredentialsParsing() {
        #expect(BasicCredentials(authorizationHeader: "Basic YWRtaW46cGE6c3M=") ==
                BasicCredentials(authorizationHeader: "basic YWRtaW46cGE6c3M="))
        let parsed = BasicCredentials(authorizationHeader: "Basic YWRtaW46cGE6c3M=")
        #expect(parsed?.username == "admin" && parsed?.password == "pa:ss")
        for bad in ["Bearer abc", "Basic", "Basic !!!", "Basic YWRtaW4="] {
            #expect(BasicCredentials(authorizationHeader: bad) == nil)
        }
    }
}

@Suite struct AuthenticatorTests {
    @Test func authenticatesAgainstTheUserStore() async throws {
        try await TestDatabase.with { db in
            let users = UserStore(database: db)
            try await users.create(username: "alice", passwordHash: try PasswordHasher.hash("Alice-Passw0rd"), isAdmin: false)
            let authenticator = Authenticator(users: users)
            #expect(try await authenticator.authenticate(username: "alice", password: "Alice-Passw0rd")?.username == "alice")
            // Second time from the cache, same answer.
            #expect(try await authenticator.authenticate(username: "alice", password: "Alice-Passw0rd")?.username == "alice")
            #expect(try await authenticator.authenticate(username: "alice", password: "wrong") == nil)
            #expect(try await authenticator.authenticate(username: "bob", password: "Alice-Passw0rd") == nil)
        }
    }

    @Test func interimPolicy() async throws {
        let policy = AdminOrPublicReadPolicy()
        let publicProject = Project(id: 1, name: "library", isPublic: true)
        let privateProject = Project(id: 2, name: "secret", isPublic: false)
        let admin = Identity.user(id: 1, name: "admin", isAdmin: true)
        let user = Identity.user(id: 2, name: "u", isAdmin: false)
        #expect(try await policy.allowedActions(for: admin, in: privateProject) == [.pull, .push, .delete])
        #expect(try await policy.allowedActions(for: user, in: publicProject) == [.pull])
        #expect(try await policy.allowedActions(for: .anonymous, in: publicProject) == [.pull])
        #expect(try await policy.allowedActions(for: .anonymous, in: privateProject).isEmpty)
        #expect(try await policy.allowedActions(for: user, in: privateProject).isEmpty)
    }
}
