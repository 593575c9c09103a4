import Foundation
import Metadata
import NIOConcurrencyHelpers

/// Sign-in through an `ExternalDirectory`, with what it learns kept so that requests do not
/// wait on the directory (Harbor #13780: token requests of users in many LDAP groups timed out).
///
/// The first sign-in asks the directory: it checks the password, creates the user on first
/// sign-in, and records their groups (`UserGroupStore.replaceMemberships`), which permission
/// checks read from the database. A sign-in with the same name and password within
/// `lifetime` is answered from memory; one older than `refreshAfter` is still answered at
/// once, and asks the directory again in the background (one refresh per account at a time).
/// A refresh that finds the password wrong or the user gone forgets the sign-in; one that
/// cannot reach the directory keeps it until `lifetime` ends. So a user removed from the
/// directory keeps access at most `lifetime`, and at most `refreshAfter` while they keep using it.
public final class DirectorySignIn: Sendable {
    public let directory: any ExternalDirectory
    let users: UserStore
    let groups: UserGroupStore
    let lifetime: Duration
    let refreshAfter: Duration
    /// The time, from the continuous clock; tests move it by hand.
    let now: @Sendable () -> ContinuousClock.Instant

    /// The user, by id: the caller reads their row on each request, so a change of their
    /// administrator standing applies at once.
    struct Entry: Sendable {
        let userID: Int64
        let verifiedAt: ContinuousClock.Instant
    }

    /// Keyed by the authenticator's HMAC of name and password: nothing here can be tested offline.
    private let entries = NIOLockedValueBox<[Data: Entry]>([:])
    private let refreshing = NIOLockedValueBox<Set<Data>>([])

    public init(directory: any ExternalDirectory, users: UserStore, groups: UserGroupStore,
                lifetime: Duration = .seconds(300), refreshAfter: Duration = .seconds(30),
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.directory = directory
        self.users = users
        self.groups = groups
        self.lifetime = lifetime
        self.refreshAfter = min(refreshAfter, lifetime)
        self.now = now
    }

    /// The user id for the name and password, or nil when the directory refuses them.
    func signIn(username: String, password: String, key: Data) async throws -> Int64? {
        let now = now()
        if let entry = entries.withLockedValue({ $0[key] }), now - entry.verifiedAt < lifetime {
            if now - entry.verifiedAt >= refreshAfter {
                refreshInBackground(username: username, password: password, key: key, userID: entry.userID)
            }
            return entry.userID
        }
        return try await askDirectory(username: username, password: password, key: key)
    }

    /// Forgets every remembered sign-in (the directory's settings changed).
    public func forgetAll() {
        entries.withLockedValue { $0.removeAll() }
    }

    private func askDirectory(username: String, password: String, key: Data) async throws -> Int64? {
        let started = now()
        guard let account = try await directory.verify(username: username, password: password),
              // A local account of the same name (the first administrator's) is never taken over.
              let user = try await users.onboard(username: account.username, email: account.email, realname: account.realname,
                                                 isGroupAdmin: account.isAdmin)
        else {
            entries.withLockedValue { _ = $0.removeValue(forKey: key) }
            return nil
        }
        try await groups.replaceMemberships(userID: user.id, groups: account.groups)
        entries.withLockedValue { entries in
            // Bounded like the authenticator's cache: a flood of distinct passwords cannot grow it.
            if entries.count > 10_000 { entries.removeAll() }
            entries[key] = Entry(userID: user.id, verifiedAt: started)
        }
        return user.id
    }

    private func refreshInBackground(username: String, password: String, key: Data, userID: Int64) {
        let claimed = refreshing.withLockedValue { $0.insert(key).inserted }
        guard claimed else { return }
        Task {
            defer { _ = refreshing.withLockedValue { $0.remove(key) } }
            // An unreachable directory keeps the sign-in until its lifetime ends; the error is
            // the next sign-in's to report.
            let refused: Bool
            do { refused = try await askDirectory(username: username, password: password, key: key) == nil } catch { return }
            guard refused else { return }
            // The directory no longer accepts what it accepted: the user left it, or their
            // password changed. What it granted goes with it, so their portal sessions keep only
            // their own project memberships until the next sign-in.
            try? await users.clearGroupAdmin(userID: userID)
            try? await groups.replaceMemberships(userID: userID, groups: [])
        }
    }
}
