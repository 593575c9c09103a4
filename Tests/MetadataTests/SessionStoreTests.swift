import BerthTestSupport
import Foundation
import Testing
@testable import Metadata

/// Sessions end after their idle time, and after their maximum lifetime however busy they are;
/// the purge removes both kinds. Times are given, not waited for.
@Suite struct SessionStoreTests {
    @Test func aSessionEndsWhenIdleAndAtItsMaximumLifetime() async throws {
        try await TestDatabase.with { db in
            let user = try #require(try await UserStore(database: db).create(username: "sam", passwordHash: "h", isAdmin: false))
            let minute: Int64 = 60_000
            let store = SessionStore(database: db, idleTimeoutMillis: 60 * minute, maximumLifetimeMillis: 12 * 60 * minute)
            let start = WallClock.nowMillis()
            try await store.create(tokenHash: "idle", userID: user.id, now: start)
            #expect(try await store.user(tokenHash: "idle", now: start + 59 * minute)?.username == "sam")
            // That use pushed its end to an hour later.
            #expect(try await store.user(tokenHash: "idle", now: start + 118 * minute) != nil)
            #expect(try await store.user(tokenHash: "idle", now: start + 180 * minute) == nil)

            // Used every 30 minutes, a session still ends 12 hours after its login.
            try await store.create(tokenHash: "busy", userID: user.id, now: start)
            for step in stride(from: Int64(30), through: 690, by: 30) {
                #expect(try await store.user(tokenHash: "busy", now: start + step * minute) != nil, "after \(step) minutes")
            }
            #expect(try await store.user(tokenHash: "busy", now: start + 721 * minute) == nil)
            #expect(try await store.purgeExpired(now: start + 721 * minute) == 2)
            #expect(try await store.user(tokenHash: "unknown") == nil)
        }
    }
}
