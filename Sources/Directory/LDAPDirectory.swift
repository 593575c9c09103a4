import Access
import Foundation
import LDAP
import Metadata

/// Sign-in and look-ups against the LDAP directory the `ldap_*` settings name. Each call opens
/// its own connection, binds as the search DN, and closes: a directory restarted or reconfigured
/// between calls needs no recovery, and a local directory answers a whole sign-in (search, the
/// user's bind, the group search) in a few milliseconds.
public struct LDAPDirectory: ExternalDirectory {
    /// The settings now; throws when they cannot be read (the sealed password).
    let settings: @Sendable () async throws -> LDAPSettings

    public init(settings: @escaping @Sendable () async throws -> LDAPSettings) {
        self.settings = settings
    }

    public func verify(username: String, password: String) async throws -> DirectoryAccount? {
        guard !username.isEmpty, !password.isEmpty else { return nil }
        let settings = try await usableSettings()
        return try await Self.session(settings) { client in
            guard let entry = try await Self.findUser(username, settings: settings, client: client) else { return nil }
            do {
                try await client.bind(dn: entry.dn, password: password)
            } catch let error as LDAPError where error.resultCode == .invalidCredentials {
                return nil
            }
            // The group search runs as the search DN again: the user may not be allowed to read groups.
            if !settings.searchDN.isEmpty { try await client.bind(dn: settings.searchDN, password: settings.searchPassword) }
            return try await Self.account(entry, login: username, settings: settings, client: client)
        }
    }

    /// Users whose login attribute contains `name` (all when empty), for `/ldap/users/search`.
    public func users(containing name: String) async throws -> [DirectoryAccount] {
        let settings = try await usableSettings()
        return try await Self.session(settings) { client in
            let match = name.isEmpty ? "(\(settings.uidAttribute)=*)" : "(\(settings.uidAttribute)=*\(LDAPFilter.escape(name))*)"
            // A listing beyond the limits is cut, not refused: narrow the search to see the rest.
            let entries = try await client.searchListing(base: settings.baseDN, scope: settings.scope, filter: Self.and(settings.filter, match),
                                                         attributes: Self.userAttributes(settings), sizeLimit: Self.listLimit).entries
            return entries.map { Self.profile($0, login: $0.firstValue(of: settings.uidAttribute) ?? "", settings: settings) }
                .filter { !$0.username.isEmpty }
        }
    }

    /// The user with exactly this login name, without their groups (for `/ldap/users/import`).
    public func user(named login: String) async throws -> DirectoryAccount? {
        let settings = try await usableSettings()
        return try await Self.session(settings) { client in
            try await Self.findUser(login, settings: settings, client: client).map { Self.profile($0, login: login, settings: settings) }
        }
    }

    /// Groups under the group base whose name contains `name`, or the group at `dn`.
    public func groups(containing name: String?, dn: String?) async throws -> [DirectoryGroupName] {
        let settings = try await usableSettings()
        guard !settings.groupBaseDN.isEmpty else { throw DirectoryUnavailable("ldap_group_base_dn is not set") }
        return try await Self.session(settings) { client in
            let nameAttribute = settings.groupNameAttribute
            let entries: [LDAPEntry]
            if let dn, !dn.isEmpty {
                // Only groups under the group base: sign-in reads memberships there alone.
                let base = UserGroupStore.normalized(dn: settings.groupBaseDN)
                let wanted = UserGroupStore.normalized(dn: dn)
                guard wanted == base || wanted.hasSuffix("," + base) else { return [] }
                do {
                    entries = try await client.search(base: dn, scope: .base, filter: Self.and(settings.groupFilter, "(objectClass=*)"),
                                                      attributes: [nameAttribute])
                } catch let error as LDAPError where error.resultCode == .noSuchObject {
                    return []
                }
            } else {
                let match = (name ?? "").isEmpty ? "(\(nameAttribute)=*)" : "(\(nameAttribute)=*\(LDAPFilter.escape(name ?? ""))*)"
                entries = try await client.searchListing(base: settings.groupBaseDN, scope: settings.groupScope,
                                                         filter: Self.and(settings.groupFilter, match), attributes: [nameAttribute],
                                                         sizeLimit: Self.listLimit).entries
            }
            return entries.map { DirectoryGroupName(name: $0.firstValue(of: nameAttribute) ?? Self.rdnValue($0.dn), type: .ldap, ldapDN: $0.dn) }
        }
    }

    /// Connects and binds with `settings` (not necessarily the stored ones): nil when that
    /// works and the base DN exists, else what went wrong.
    public static func ping(_ settings: LDAPSettings) async -> String? {
        if let problem = settings.problem { return problem }
        do {
            try await session(settings) { client in
                _ = try await client.search(base: settings.baseDN, scope: .base, filter: "(objectClass=*)", attributes: ["1.1"])
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: - The steps

    /// The most entries a listing returns; the directory's own limit may be lower.
    static let listLimit = 1_000

    private func usableSettings() async throws -> LDAPSettings {
        let settings: LDAPSettings
        do { settings = try await self.settings() } catch { throw DirectoryUnavailable("the LDAP settings cannot be read: \(error)") }
        if let problem = settings.problem { throw DirectoryUnavailable("LDAP is not configured: \(problem)") }
        return settings
    }

    /// Runs `body` on a connection bound as the search DN (anonymous when none is set). Any
    /// failure of the directory becomes `DirectoryUnavailable`.
    static func session<T: Sendable>(_ settings: LDAPSettings, _ body: (LDAPClient) async throws -> T) async throws -> T {
        let client: LDAPClient
        do {
            client = try await LDAPClient.connect(url: settings.url, startTLS: settings.startTLS,
                                                  verifyCertificate: settings.verifyCertificate, timeout: settings.timeout)
        } catch let error as LDAPError {
            throw unavailable(error)
        }
        do {
            if !settings.searchDN.isEmpty { try await client.bind(dn: settings.searchDN, password: settings.searchPassword) }
            let result = try await body(client)
            await client.close()
            return result
        } catch let error as LDAPError {
            await client.close()
            throw unavailable(error)
        } catch {
            await client.close()
            throw error
        }
    }

    /// The failure in words safe for anyone, and in full for the log.
    static func unavailable(_ error: LDAPError) -> DirectoryUnavailable {
        let kind = switch error {
        case .unreachable: "the LDAP server could not be reached"
        case .tlsFailed: "TLS with the LDAP server failed"
        case .timedOut: "the LDAP server did not answer in time"
        case .failed(let operation, _) where operation.hasPrefix("bind"): "the LDAP server refused Berth's search account"
        case .badURL: "ldap_url is not a usable LDAP URL"
        default: "the LDAP server failed the request"
        }
        return DirectoryUnavailable(kind, detail: "\(error)")
    }

    /// The one entry whose login attribute is `login`; nil when there is none, or more than one
    /// (an ambiguous name must not sign in as whichever comes first).
    static func findUser(_ login: String, settings: LDAPSettings, client: LDAPClient) async throws -> LDAPEntry? {
        let filter = and(settings.filter, "(\(settings.uidAttribute)=\(LDAPFilter.escape(login)))")
        do {
            let entries = try await client.search(base: settings.baseDN, scope: settings.scope, filter: filter,
                                                  attributes: userAttributes(settings), sizeLimit: 2)
            return entries.count == 1 ? entries[0] : nil
        } catch let error as LDAPError where error.resultCode == .sizeLimitExceeded {
            return nil
        }
    }

    static func userAttributes(_ settings: LDAPSettings) -> [String] {
        [settings.uidAttribute, "cn", "displayName", "mail", "email", settings.groupMembershipAttribute].filter { !$0.isEmpty }
    }

    static func profile(_ entry: LDAPEntry, login: String, settings: LDAPSettings) -> DirectoryAccount {
        DirectoryAccount(username: entry.firstValue(of: settings.uidAttribute) ?? login,
                         email: entry.firstValue(of: "mail") ?? entry.firstValue(of: "email"),
                         realname: entry.firstValue(of: "displayName") ?? entry.firstValue(of: "cn"),
                         groups: [], isAdmin: false)
    }

    /// The signed-in user's profile and groups: the groups under the group base that list the
    /// user as `member`, `uniqueMember` or `memberUid` (one search, however many groups), and
    /// those of the user's membership attribute (`memberOf`) under the same base.
    static func account(_ entry: LDAPEntry, login: String, settings: LDAPSettings, client: LDAPClient) async throws -> DirectoryAccount {
        let profile = profile(entry, login: login, settings: settings)
        let memberOf = entry.values(of: settings.groupMembershipAttribute)
        var groups: [String: DirectoryGroupName] = [:]
        if !settings.groupBaseDN.isEmpty {
            let dn = LDAPFilter.escape(entry.dn)
            let membership = "(|(member=\(dn))(uniqueMember=\(dn))(memberUid=\(LDAPFilter.escape(profile.username))))"
            // A user in more groups than the server lists at once keeps the groups it does list:
            // refusing the sign-in would lock out exactly the users with the most groups.
            let found = try await client.searchListing(base: settings.groupBaseDN, scope: settings.groupScope,
                                                       filter: and(settings.groupFilter, membership),
                                                       attributes: [settings.groupNameAttribute]).entries
            for group in found {
                groups[UserGroupStore.normalized(dn: group.dn)] = DirectoryGroupName(
                    name: group.firstValue(of: settings.groupNameAttribute) ?? rdnValue(group.dn), type: .ldap, ldapDN: group.dn)
            }
            let base = UserGroupStore.normalized(dn: settings.groupBaseDN)
            for dn in memberOf {
                let key = UserGroupStore.normalized(dn: dn)
                guard groups[key] == nil, key.hasSuffix("," + base) else { continue }
                groups[key] = DirectoryGroupName(name: rdnValue(dn), type: .ldap, ldapDN: dn)
            }
        }
        let admin = UserGroupStore.normalized(dn: settings.groupAdminDN)
        let isAdmin = !settings.groupAdminDN.isEmpty
            && (groups[admin] != nil || memberOf.contains { UserGroupStore.normalized(dn: $0) == admin })
        return DirectoryAccount(username: profile.username, email: profile.email, realname: profile.realname,
                                groups: groups.keys.sorted().compactMap { groups[$0] }, isAdmin: isAdmin)
    }

    /// `(&a b)`, or `b` alone when `a` is empty.
    static func and(_ configured: String, _ clause: String) -> String {
        configured.isEmpty ? clause : "(&\(configured)\(clause))"
    }

    /// `developers` of `cn=developers,ou=groups,dc=example,dc=org`.
    static func rdnValue(_ dn: String) -> String {
        let first = dn.split(separator: ",").first.map(String.init) ?? dn
        guard let equals = first.firstIndex(of: "=") else { return first }
        return String(first[first.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
    }
}

extension LDAPDirectory {
    /// The directory of the stored settings.
    public static func configured(by settings: SystemSettingsCache, sealer: any SecretSealer) -> LDAPDirectory {
        LDAPDirectory(settings: { try LDAPSettings(await settings.current, sealer: sealer) })
    }
}
