import BerthTestSupport
import Foundation
import Testing
@testable import Metadata

/// Sessions end after their idle time, and after their maximum lifetime however busy they are;
/// the purge removes both kinds.
@Suite struct SessionStoreTests {
    @Test func aSessionEndsWhenIdleAndAtItsMaximumLifetime() async throws {
        try await TestDatabase.with { db in
            let user = try #require(try await UserStore(database: db).create(username: "sam", passwordHash: "h", isAdmin: false))
            let idle = SessionStore(database: db, idleTimeoutMillis: 1_000, maximumLifetimeMillis: 60_000)
            try await idle.create(tokenHash: "idle", userID: user.id)
            #expect(try await idle.user(tokenHash: "idle")?.username == "sam")
            try await Task.sleep(for: .milliseconds(1_300))
            #expect(try await idle.user(tokenHash: "idle") == nil)

            // Used all the time, it still ends at its maximum lifetime.
            let capped = SessionStore(database: db, idleTimeoutMillis: 60_000, maximumLifetimeMillis: 2_000)
            try await capped.create(tokenHash: "busy", userID: user.id)
            for _ in 0..<3 {
                #expect(try await capped.user(tokenHash: "busy") != nil)
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .milliseconds(2_000))
            #expect(try await capped.user(tokenHash: "busy") == nil)
            #expect(try await capped.purgeExpired() == 2)
            #expect(try await capped.user(tokenHash: "unknown") == nil)
        }
    }
}
