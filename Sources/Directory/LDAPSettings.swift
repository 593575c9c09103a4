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
        scope = Self.scope(harborValue: settings.integer(.ldapScope)) ?? .sub
        timeout = .seconds(settings.integer(.ldapTimeout))
        verifyCertificate = settings.isOn(.ldapVerifyCert)
        startTLS = settings.isOn(.ldapStartTLS)
        groupBaseDN = settings.text(.ldapGroupBaseDN).trimmingCharacters(in: .whitespaces)
        groupFilter = Self.normalized(filter: settings.text(.ldapGroupSearchFilter))
        groupNameAttribute = settings.text(.ldapGroupAttributeName).trimmingCharacters(in: .whitespaces)
        groupAdminDN = settings.text(.ldapGroupAdminDN).trimmingCharacters(in: .whitespaces)
        groupMembershipAttribute = settings.text(.ldapGroupMembershipAttribute).trimmingCharacters(in: .whitespaces)
        groupScope = Self.scope(harborValue: settings.integer(.ldapGroupSearchScope)) ?? .sub
    }

    /// What is missing or malformed, in the words of the settings; nil when sign-in can work.
    public var problem: String? {
        if url.isEmpty { return "ldap_url is not set" }
        if baseDN.isEmpty { return "ldap_base_dn is not set" }
        if uidAttribute.isEmpty { return "ldap_uid is not set" }
        if startTLS && url.lowercased().hasPrefix("ldaps://") { return "ldap_start_tls is for ldap:// URLs; ldaps:// is encrypted already" }
        if !searchDN.isEmpty && searchPassword.isEmpty { return "ldap_search_password is not set for ldap_search_dn" }
        for (key, value) in [("ldap_filter", filter), ("ldap_group_search_filter", groupFilter), ("ldap_uid", uidAttribute),
                             ("ldap_group_attribute_name", groupNameAttribute), ("ldap_group_membership_attribute", groupMembershipAttribute)] {
            if let problem = Self.problem(key: key, value: value) { return problem }
        }
        return nil
    }

    /// Why a value of one of the keys that go into search filters cannot be used, or nil:
    /// filters must parse, attribute names must be names (they are put into filters as written).
    public static func problem(key: String, value: String) -> String? {
        switch key {
        case "ldap_filter", "ldap_group_search_filter":
            guard !value.isEmpty else { return nil }
            do { _ = try LDAPFilter(parsing: normalized(filter: value)) } catch { return "\(key) is not an LDAP search filter: \(error)" }
            return nil
        case "ldap_uid", "ldap_group_attribute_name", "ldap_group_membership_attribute":
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            let isName = trimmed.first?.isLetter == true && trimmed.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            let isOID = !trimmed.isEmpty && trimmed.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            return trimmed.isEmpty || isName || isOID ? nil : "\(key) must be an attribute name such as uid or cn"
        default:
            return nil
        }
    }

    /// Harbor's scope numbers: 0 base, 1 one level, 2 subtree.
    public static func scope(harborValue: Int64) -> LDAPSearchScope? {
        LDAPSearchScope(rawValue: harborValue)
    }

    /// Harbor accepts `objectClass=person` for `(objectClass=person)`.
    public static func normalized(filter: String) -> String {
        let trimmed = filter.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("(") else { return trimmed }
        return "(\(trimmed))"
    }
}
