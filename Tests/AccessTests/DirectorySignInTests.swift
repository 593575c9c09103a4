import BerthTestSupport
import Foundation
import Metadata
import NIOConcurrencyHelpers
import Testing
@testable import Access

/// The sign-in cache's rules, with a directory whose answers the test sets (the real directory,
/// slapd, is in HarborAPITests' LDAPSignInTests; its outage and refresh timing cannot be
/// arranged there without stopping it for every suite).
@Suite struct DirectorySignInTests {
    final class ScriptedDirectory: ExternalDirectory {
        enum Answer: Sendable { case account([DirectoryGroupName], admin: Bool), wrong, down }
        let answer = NIOLockedValueBox<Answer>(.account([], admin: false))
        let calls = NIOLockedValueBox(0)

        func verify(username: String, password: String) async throws -> DirectoryAccount? {
            calls.withLockedValue { $0 += 1 }
            switch answer.withLockedValue({ $0 }) {
            case .account(let groups, let admin):
                return DirectoryAccount(username: username, email: "\(username)@example.org", realname: nil, groups: groups, isAdmin: admin)
            case .wrong: return nil
            case .down: throw DirectoryUnavailable("directory down")
            }
        }
    }

    /// A clock the test moves: the rules are about time, and a loaded machine's database writes
    /// must not move it.
    final class ManualClock: Sendable {
        let instant = NIOLockedValueBox(ContinuousClock.now)
        func advance(_ duration: Duration) { instant.withLockedValue { $0 = $0.advanced(by: duration) } }
        func now() -> ContinuousClock.Instant { instant.withLockedValue { $0 } }
    }

    static func signIn(_ directory: ScriptedDirectory, lifetime: Duration, refreshAfter: Duration, clock: ManualClock = ManualClock(),
                       _ body: (DirectorySignIn, UserStore, UserGroupStore) async throws -> Void) async throws {
        try await TestDatabase.with { db in
            let users = UserStore(database: db), groups = UserGroupStore(database: db)
            let signIn = DirectorySignIn(directory: directory, users: users, groups: groups, lifetime: lifetime, refreshAfter: refreshAfter,
                                         now: { clock.now() })
            try await body(signIn, users, groups)
        }
    }

    static let key = Data("alice-key".utf8)

    @Test func aRepeatedSignInIsAnsweredFromMemoryAndTheFirstOneOnboards() async throws {
        let directory = ScriptedDirectory()
        let team = DirectoryGroupName(name: "team", type: .ldap, ldapDN: "cn=team,ou=groups,dc=test")
        directory.answer.withLockedValue { $0 = .account([team], admin: true) }
        try await Self.signIn(directory, lifetime: .seconds(60), refreshAfter: .seconds(30)) { signIn, users, groups async throws in
            let id = try #require(try await signIn.signIn(username: "alice", password: "pw", key: Self.key))
            let user = try #require(try await users.find(id: id))
            #expect(user.username == "alice")
            #expect(user.isGroupAdmin && !user.isAdmin)
            #expect(user.email == "alice@example.org")
            #expect(try await groups.groupIDs(userID: id).count == 1)
            for _ in 0..<100 { _ = try await signIn.signIn(username: "alice", password: "pw", key: Self.key) }
            #expect(directory.calls.withLockedValue { $0 } == 1)
        }
    }

    @Test func aStaleSignInIsAnsweredAtOnceAndCheckedInTheBackground() async throws {
        let directory = ScriptedDirectory(), clock = ManualClock()
        directory.answer.withLockedValue { $0 = .account([DirectoryGroupName(name: "ops", type: .ldap, ldapDN: "cn=ops,dc=test")], admin: true) }
        try await Self.signIn(directory, lifetime: .seconds(60), refreshAfter: .seconds(6), clock: clock) { signIn, users, groups async throws in
            let id = try #require(try await signIn.signIn(username: "alice", password: "pw", key: Self.key))
            clock.advance(.seconds(5))
            #expect(try await signIn.signIn(username: "alice", password: "pw", key: Self.key) != nil)
            #expect(directory.calls.withLockedValue { $0 } == 1, "not stale yet")
            // Stale, and the directory now refuses her: the stale answer is still given, once.
            clock.advance(.seconds(2))
            directory.answer.withLockedValue { $0 = .wrong }
            #expect(try await signIn.signIn(username: "alice", password: "pw", key: Self.key) != nil)
            try await eventually { directory.calls.withLockedValue { $0 } == 2 }
            try await eventually { try await signIn.signIn(username: "alice", password: "pw", key: Self.key) == nil }
            // What the directory granted is taken away with it.
            try await eventually { try await users.find(id: id)?.isGroupAdmin == false }
            try await eventually { try await groups.groupIDs(userID: id).isEmpty }
        }
    }

    @Test func aDirectoryAccountNeverTakesOverALocalOne() async throws {
        let directory = ScriptedDirectory()
        directory.answer.withLockedValue { $0 = .account([], admin: true) }
        try await Self.signIn(directory, lifetime: .seconds(60), refreshAfter: .seconds(6)) { signIn, users, _ async throws in
            let local = try #require(try await users.create(username: "admin", passwordHash: "pbkdf2-sha256$1$x$y", isAdmin: true))
            #expect(try await signIn.signIn(username: "admin", password: "pw", key: Self.key) == nil)
            let after = try #require(try await users.find(id: local.id))
            #expect(after.email == nil && !after.isGroupAdmin && after.passwordHash == local.passwordHash)
        }
    }

    @Test func anOutageKeepsASignInForItsLifetimeOnly() async throws {
        let directory = ScriptedDirectory(), clock = ManualClock()
        try await Self.signIn(directory, lifetime: .seconds(60), refreshAfter: .seconds(6), clock: clock) { signIn, _, _ async throws in
            #expect(try await signIn.signIn(username: "alice", password: "pw", key: Self.key) != nil)
            directory.answer.withLockedValue { $0 = .down }
            // Refreshes fail; the sign-in holds.
            clock.advance(.seconds(10))
            #expect(try await signIn.signIn(username: "alice", password: "pw", key: Self.key) != nil)
            try await eventually { directory.calls.withLockedValue { $0 } == 2 }
            clock.advance(.seconds(40))
            #expect(try await signIn.signIn(username: "alice", password: "pw", key: Self.key) != nil)
            // Past the lifetime the directory must answer, and cannot.
            clock.advance(.seconds(11))
            await #expect(throws: DirectoryUnavailable.self) {
                _ = try await signIn.signIn(username: "alice", password: "pw", key: Self.key)
            }
        }
    }

    @Test func forgettingEndsEverySignIn() async throws {
        let directory = ScriptedDirectory()
        try await Self.signIn(directory, lifetime: .seconds(60), refreshAfter: .seconds(30)) { signIn, _, _ async throws in
            #expect(try await signIn.signIn(username: "alice", password: "pw", key: Self.key) != nil)
            signIn.forgetAll()
            directory.answer.withLockedValue { $0 = .wrong }
            #expect(try await signIn.signIn(username: "alice", password: "pw", key: Self.key) == nil)
        }
    }
}
