import Foundation
import LDAP
import Metadata

/// The `ldap_*` system settings, read and checked for use.
public struct LDAPSettings: Sendable, Equatable {
    public var url: String
    public var searchDN: String
    public var searchPassword: String
    public var baseDN: String
    /// The operator's filter, normalized to parenthesized form; empty adds nothing.
    public var filter: String
    public var uidAttribute: String
    public var scope: LDAPSearchScope
    public var timeout: Duration
    public var verifyCertificate: Bool
    /// Upgrade an `ldap://` connection with StartTLS before anything else is sent.
    public var startTLS: Bool
    public var groupBaseDN: String
    public var groupFilter: String
    public var groupNameAttribute: String
    public var groupAdminDN: String
    public var groupMembershipAttribute: String
    public var groupScope: LDAPSearchScope

    /// Reads the settings; the search password is stored sealed and opened here.
    public init(_ settings: SystemSettings, sealer: any SecretSealer) throws {
        let sealedPassword = settings.text(.ldapSearchPassword)
        url = settings.text(.ldapURL).trimmingCharacters(in: .whitespaces)
        searchDN = settings.text(.ldapSearchDN).trimmingCharacters(in: .whitespaces)
        searchPassword = sealedPassword.isEmpty ? "" : try sealer.open(sealedPassword)
        baseDN = settings.text(.ldapBaseDN).trimmingCharacters(in: .whitespaces)
        filter = Self.normalized(filter: settings.text(.ldapFilter))
        uidAttribute = settings.text(.ldapUID).trimmingCharacters(in: .whitespaces)
        scope = LDAPSearchScope(rawValue: settings.integer(.ldapScope)) ?? .sub
        timeout = .seconds(settings.integer(.ldapTimeout))
        verifyCertificate = settings.isOn(.ldapVerifyCert)
        startTLS = settings.isOn(.ldapStartTLS)
        groupBaseDN = settings.text(.ldapGroupBaseDN).trimmingCharacters(in: .whitespaces)
        groupFilter = Self.normalized(filter: settings.text(.ldapGroupSearchFilter))
        groupNameAttribute = settings.text(.ldapGroupAttributeName).trimmingCharacters(in: .whitespaces)
        groupAdminDN = settings.text(.ldapGroupAdminDN).trimmingCharacters(in: .whitespaces)
        groupMembershipAttribute = settings.text(.ldapGroupMembershipAttribute).trimmingCharacters(in: .whitespaces)
        groupScope = LDAPSearchScope(rawValue: settings.integer(.ldapGroupSearchScope)) ?? .sub
    }

    /// What is missing or malformed, in the words of the settings; nil when sign-in can work.
    public var problem: String? {
        if url.isEmpty { return "ldap_url is not set" }
        if baseDN.isEmpty { return "ldap_base_dn is not set" }
        if uidAttribute.isEmpty { return "ldap_uid is not set" }
        if startTLS && url.lowercased().hasPrefix("ldaps://") { return "ldap_start_tls is for ldap:// URLs; ldaps:// is encrypted already" }
        if !searchDN.isEmpty && searchPassword.isEmpty { return "ldap_search_password is not set for ldap_search_dn" }
        for (name, filter) in [("ldap_filter", filter), ("ldap_group_search_filter", groupFilter)] where !filter.isEmpty {
            do { _ = try LDAPFilter(parsing: filter) } catch { return "\(name) is not an LDAP filter: \(error)" }
        }
        return nil
    }

    /// Harbor accepts `objectClass=person` for `(objectClass=person)`.
    public static func normalized(filter: String) -> String {
        let trimmed = filter.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("(") else { return trimmed }
        return "(\(trimmed))"
    }
}
