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
    }

    public let name: String
    public let kind: Kind
    /// The stored text of the default.
    public let defaultValue: String

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
        case (.text(let maximumLength), .text(let text)):
            guard text.utf8.count <= maximumLength else { return .failure(Refusal("\(name) must be at most \(maximumLength) bytes")) }
            return .success(text)
        case (.boolean, _): return .failure(Refusal("\(name) must be true or false"))
        case (.integer(let rule, _), _): return .failure(Refusal("\(name) must be \(rule)"))
        case (.choice(let choices), _): return .failure(Refusal("\(name) must be one of \(choices.joined(separator: ", "))"))
        case (.text, _): return .failure(Refusal("\(name) must be a string"))
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
    /// How users sign in. Only the local database until directory sign-in lands.
    public static let authMode = SystemSetting(name: "auth_mode", kind: .choice(["db_auth"]), defaultValue: "db_auth")

    /// Every setting Berth honours besides the audit log's (`AuditSettingKey`, which need more
    /// than a value check).
    public static let all: [SystemSetting] = [
        readOnly, projectCreationRestriction, storagePerProject, tokenExpiration, robotTokenDuration, sessionTimeout,
        selfRegistration, notificationEnable, bannerMessage, authMode,
    ]

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
}
