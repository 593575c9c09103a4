/// One of Harbor's `/configurations` keys that Berth honours: its name, the values it takes and
/// its default. The catalogue (`SystemSetting.all`) is the one place that knows them: the API
/// validates and lists by it, and `SystemSettings` reads typed values through it.
public struct SystemSetting: Sendable {
    public enum Kind: Sendable {
        case boolean
        /// Whole numbers for which `accepts` holds; `rule` says which, for the error message.
        case integer(rule: String, accepts: @Sendable (Int64) -> Bool)
        case choice([String])
        case text(maximumLength: Int)
        /// A password: stored sealed (`SecretSealer`) and never listed back.
        case secret(maximumLength: Int)
    }

    public let name: String
    public let kind: Kind
    /// The stored text of the default.
    public let defaultValue: String

    /// A password: sealed when stored, never listed.
    public var isSecret: Bool {
        if case .secret = kind { true } else { false }
    }

    /// A value from `/configurations` as the text to store, or the reason it is refused.
    public enum Input: Sendable { case boolean(Bool), number(Double), text(String), other }

    public func stored(from input: Input) -> Result<String, Refusal> {
        switch (kind, input) {
        case (.boolean, .boolean(let on)):
            return .success(on ? "true" : "false")
        case (.integer(let rule, let accepts), .number(let number)):
            guard number == number.rounded(), let whole = Int64(exactly: number), accepts(whole) else {
                return .failure(Refusal("\(name) must be \(rule)"))
            }
            return .success(String(whole))
        case (.choice(let choices), .text(let text)):
            guard choices.contains(text) else { return .failure(Refusal("\(name) must be one of \(choices.joined(separator: ", "))")) }
            return .success(text)
        case (.text(let maximumLength), .text(let text)), (.secret(let maximumLength), .text(let text)):
            guard text.utf8.count <= maximumLength else { return .failure(Refusal("\(name) must be at most \(maximumLength) bytes")) }
            return .success(text)
        case (.boolean, _): return .failure(Refusal("\(name) must be true or false"))
        case (.integer(let rule, _), _): return .failure(Refusal("\(name) must be \(rule)"))
        case (.choice(let choices), _): return .failure(Refusal("\(name) must be one of \(choices.joined(separator: ", "))"))
        case (.text, _), (.secret, _): return .failure(Refusal("\(name) must be a string"))
        }
    }

    public struct Refusal: Error, Sendable {
        public let message: String
        init(_ message: String) { self.message = message }
    }
}

extension SystemSetting {
    /// Nothing may be changed, through `/v2/` or the API, but this setting itself.
    public static let readOnly = SystemSetting(name: "read_only", kind: .boolean, defaultValue: "false")
    /// Who may create projects.
    public static let projectCreationRestriction = SystemSetting(
        name: "project_creation_restriction", kind: .choice(["everyone", "adminonly"]), defaultValue: "everyone")
    /// The storage quota, in bytes, of a project created without one; -1 is none.
    public static let storagePerProject = SystemSetting(
        name: "storage_per_project",
        kind: .integer(rule: "-1 (unlimited) or 1 to \(QuotaStore.maximum) bytes", accepts: { QuotaStore.isValid(hard: $0) }),
        defaultValue: String(QuotaStore.unlimited))
    /// Minutes a registry token from `/service/token` lives.
    public static let tokenExpiration = SystemSetting(
        name: "token_expiration", kind: .integer(rule: "1 to 10080 minutes", accepts: { (1...10_080).contains($0) }), defaultValue: "30")
    /// Days a robot account lives when it is created without a `duration`.
    public static let robotTokenDuration = SystemSetting(
        name: "robot_token_duration",
        kind: .integer(rule: "1 to \(Int32.max - 1) days", accepts: { $0 >= 1 && $0 < Int64(Int32.max) }), defaultValue: "30")
    /// Minutes a portal session lives without use.
    public static let sessionTimeout = SystemSetting(
        name: "session_timeout", kind: .integer(rule: "1 to 525600 minutes", accepts: { (1...525_600).contains($0) }), defaultValue: "60")
    /// Anyone may create a user account for themselves.
    public static let selfRegistration = SystemSetting(name: "self_registration", kind: .boolean, defaultValue: "false")
    /// Webhooks are sent; off, events queue no delivery.
    public static let notificationEnable = SystemSetting(name: "notification_enable", kind: .boolean, defaultValue: "true")
    /// The portal's banner: Harbor's JSON text (`message`, `type`, `closable`, `fromDate`, `toDate`).
    public static let bannerMessage = SystemSetting(name: "banner_message", kind: .text(maximumLength: 4_096), defaultValue: "")
    /// How users sign in: Berth's own accounts, or an LDAP directory's (the `ldap_*` settings).
    /// Harbor lets it change only while no user but the first administrator exists.
    public static let authMode = SystemSetting(name: "auth_mode", kind: .choice(AuthMode.allCases.map(\.rawValue)), defaultValue: "db_auth")

    // LDAP, with Harbor's names and defaults.
    public static let ldapURL = SystemSetting(name: "ldap_url", kind: .text(maximumLength: 1_024), defaultValue: "")
    /// Who Berth binds as to search for users; empty searches anonymously.
    public static let ldapSearchDN = SystemSetting(name: "ldap_search_dn", kind: .text(maximumLength: 1_024), defaultValue: "")
    public static let ldapSearchPassword = SystemSetting(name: "ldap_search_password", kind: .secret(maximumLength: 1_024), defaultValue: "")
    public static let ldapBaseDN = SystemSetting(name: "ldap_base_dn", kind: .text(maximumLength: 1_024), defaultValue: "")
    /// Added to the user search: `(objectClass=person)`.
    public static let ldapFilter = SystemSetting(name: "ldap_filter", kind: .text(maximumLength: 1_024), defaultValue: "")
    /// The attribute a login name is matched against.
    public static let ldapUID = SystemSetting(name: "ldap_uid", kind: .text(maximumLength: 256), defaultValue: "cn")
    /// 0 base, 1 one level, 2 subtree.
    public static let ldapScope = SystemSetting(name: "ldap_scope", kind: .integer(rule: "0 (base), 1 (one level) or 2 (subtree)", accepts: { (0...2).contains($0) }), defaultValue: "2")
    /// Seconds for the connection and each operation.
    public static let ldapTimeout = SystemSetting(name: "ldap_timeout", kind: .integer(rule: "1 to 300 seconds", accepts: { (1...300).contains($0) }), defaultValue: "5")
    public static let ldapVerifyCert = SystemSetting(name: "ldap_verify_cert", kind: .boolean, defaultValue: "true")
    /// Berth's own key (Harbor has no StartTLS): upgrade an `ldap://` connection to TLS first.
    public static let ldapStartTLS = SystemSetting(name: "ldap_start_tls", kind: .boolean, defaultValue: "false")
    /// Where groups are searched; empty reads no groups (only the admin group, from the user's
    /// membership attribute).
    public static let ldapGroupBaseDN = SystemSetting(name: "ldap_group_base_dn", kind: .text(maximumLength: 1_024), defaultValue: "")
    public static let ldapGroupSearchFilter = SystemSetting(name: "ldap_group_search_filter", kind: .text(maximumLength: 1_024), defaultValue: "")
    /// The group attribute that is its name.
    public static let ldapGroupAttributeName = SystemSetting(name: "ldap_group_attribute_name", kind: .text(maximumLength: 256), defaultValue: "cn")
    /// Members of this group are system administrators.
    public static let ldapGroupAdminDN = SystemSetting(name: "ldap_group_admin_dn", kind: .text(maximumLength: 1_024), defaultValue: "")
    /// The user attribute that lists their groups' DNs (`memberOf`).
    public static let ldapGroupMembershipAttribute = SystemSetting(name: "ldap_group_membership_attribute", kind: .text(maximumLength: 256), defaultValue: "memberof")
    public static let ldapGroupSearchScope = SystemSetting(name: "ldap_group_search_scope", kind: .integer(rule: "0 (base), 1 (one level) or 2 (subtree)", accepts: { (0...2).contains($0) }), defaultValue: "2")

    // OpenID Connect, with Harbor's names and defaults.
    /// The provider's name on the portal's login button.
    public static let oidcName = SystemSetting(name: "oidc_name", kind: .text(maximumLength: 256), defaultValue: "")
    /// The issuer URL; discovery is read from `<endpoint>/.well-known/openid-configuration`.
    public static let oidcEndpoint = SystemSetting(name: "oidc_endpoint", kind: .text(maximumLength: 1_024), defaultValue: "")
    public static let oidcClientID = SystemSetting(name: "oidc_client_id", kind: .text(maximumLength: 1_024), defaultValue: "")
    public static let oidcClientSecret = SystemSetting(name: "oidc_client_secret", kind: .secret(maximumLength: 1_024), defaultValue: "")
    /// Comma-separated; `openid` is always asked for.
    public static let oidcScope = SystemSetting(name: "oidc_scope", kind: .text(maximumLength: 1_024), defaultValue: "openid,offline_access")
    /// The claim listing the user's groups; empty reads none.
    public static let oidcGroupsClaim = SystemSetting(name: "oidc_groups_claim", kind: .text(maximumLength: 256), defaultValue: "")
    /// Members of this group (by name) are system administrators.
    public static let oidcAdminGroup = SystemSetting(name: "oidc_admin_group", kind: .text(maximumLength: 256), defaultValue: "")
    /// The claim whose value is the username; empty is `name`, as in Harbor.
    public static let oidcUserClaim = SystemSetting(name: "oidc_user_claim", kind: .text(maximumLength: 256), defaultValue: "")
    public static let oidcVerifyCert = SystemSetting(name: "oidc_verify_cert", kind: .boolean, defaultValue: "true")
    /// Create the user at their first sign-in under the user claim's value.
    public static let oidcAutoOnboard = SystemSetting(name: "oidc_auto_onboard", kind: .boolean, defaultValue: "false")

    public static let oidc: [SystemSetting] = [
        oidcName, oidcEndpoint, oidcClientID, oidcClientSecret, oidcScope, oidcGroupsClaim, oidcAdminGroup, oidcUserClaim,
        oidcVerifyCert, oidcAutoOnboard,
    ]

    public static let ldap: [SystemSetting] = [
        ldapURL, ldapSearchDN, ldapSearchPassword, ldapBaseDN, ldapFilter, ldapUID, ldapScope, ldapTimeout, ldapVerifyCert, ldapStartTLS,
        ldapGroupBaseDN, ldapGroupSearchFilter, ldapGroupAttributeName, ldapGroupAdminDN, ldapGroupMembershipAttribute,
        ldapGroupSearchScope,
    ]

    /// Every setting Berth honours besides the audit log's (`AuditSettingKey`, which need more
    /// than a value check).
    public static let all: [SystemSetting] = [
        readOnly, projectCreationRestriction, storagePerProject, tokenExpiration, robotTokenDuration, sessionTimeout,
        selfRegistration, notificationEnable, bannerMessage, authMode,
    ] + ldap + oidc

    public static func named(_ name: String) -> SystemSetting? { all.first { $0.name == name } }
}

/// The settings as stored, read through the catalogue: a missing or unreadable value is the
/// default.
public struct SystemSettings: Sendable {
    public let stored: [String: String]

    public init(stored: [String: String]) { self.stored = stored }

    public func text(_ setting: SystemSetting) -> String { stored[setting.name] ?? setting.defaultValue }
    public func isOn(_ setting: SystemSetting) -> Bool { text(setting) == "true" }
    public func integer(_ setting: SystemSetting) -> Int64 { Int64(text(setting)) ?? Int64(setting.defaultValue) ?? 0 }

    public var readOnly: Bool { isOn(.readOnly) }
    public var tokenLifetimeSeconds: Int64 { integer(.tokenExpiration) * 60 }
    public var sessionIdleMillis: Int64 { integer(.sessionTimeout) * 60_000 }
    public var authMode: AuthMode { AuthMode(rawValue: text(.authMode)) ?? .database }
}

/// Harbor's `auth_mode` values that Berth takes.
public enum AuthMode: String, Sendable, CaseIterable {
    case database = "db_auth"
    case ldap = "ldap_auth"
    case oidc = "oidc_auth"
}
