import Access
import Directory
import Foundation
import Hummingbird
import Metadata
import OCI

/// `GET` and `PUT /api/v2.0/configurations`, system administrators only: the settings of
/// `SystemSetting.all` and the audit log's keys (`audit_log_forward_endpoint`,
/// `skip_audit_log_database`, `disabled_audit_log_event_types`). Other keys are refused by name
/// rather than ignored, so a script learns what does not apply.
struct ConfigurationHandlers {
    let services: APIServices

    /// Harbor's `{"value": ..., "editable": true}` for one key.
    struct Item: Encodable {
        enum Value { case boolean(Bool), integer(Int64), text(String) }
        let value: Value
        let editable = true

        enum CodingKeys: String, CodingKey { case value, editable }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch value {
            case .boolean(let on): try container.encode(on, forKey: .value)
            case .integer(let number): try container.encode(number, forKey: .value)
            case .text(let text): try container.encode(text, forKey: .value)
            }
            try container.encode(editable, forKey: .editable)
        }

        init(_ value: Value) { self.value = value }

        init(_ setting: SystemSetting, in settings: SystemSettings) {
            switch setting.kind {
            case .boolean: value = .boolean(settings.isOn(setting))
            case .integer: value = .integer(settings.integer(setting))
            case .choice, .text, .secret: value = .text(settings.text(setting))
            }
        }
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.configuration, .read))
        let stored = try await services.settings.all()
        let settings = SystemSettings(stored: stored)
        // Passwords are never listed back, as in Harbor.
        let listed = SystemSetting.all.filter { !$0.isSecret }
        var items: [String: Item] = Dictionary(uniqueKeysWithValues: listed.map { ($0.name, Item($0, in: settings)) })
        items[AuditSettingKey.forwardEndpoint.rawValue] = Item(.text(stored[AuditSettingKey.forwardEndpoint.rawValue] ?? ""))
        items[AuditSettingKey.skipDatabase.rawValue] = Item(.boolean(stored[AuditSettingKey.skipDatabase.rawValue] == "true"))
        items[AuditSettingKey.disabledEventTypes.rawValue] = Item(.text(stored[AuditSettingKey.disabledEventTypes.rawValue] ?? ""))
        return try JSONResponse.ok(items)
    }

    /// The stored text of one of the catalogue's settings, or nil when `key` is not one of them.
    static func systemSetting(_ key: String, _ value: JSONValue) throws -> String? {
        guard let setting = SystemSetting.named(key) else { return nil }
        let input: SystemSetting.Input
        switch value {
        case .bool(let on): input = .boolean(on)
        case .number(let number): input = .number(number)
        case .string(let text): input = .text(text)
        case .null, .array, .object: input = .other
        }
        switch setting.stored(from: input) {
        case .success(let text):
            if let problem = LDAPSettings.problem(key: key, value: text) { throw APIError.badRequest(problem) }
            return text
        case .failure(let refusal):
            throw APIError.badRequest(refusal.message)
        }
    }

    func put(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.configuration, .update))
        let body = try await JSONBody.decode([String: JSONValue].self, from: request)
        var changes: [String: String] = [:]
        for (key, value) in body.sorted(by: { $0.key < $1.key }) {
            if let setting = try Self.systemSetting(key, value) {
                changes[key] = setting
                continue
            }
            switch (AuditSettingKey(rawValue: key), value) {
            case (.forwardEndpoint, .string(let endpoint)):
                let trimmed = endpoint.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty {
                    guard AuditSettingKey.endpoint(trimmed) != nil else {
                        throw APIError.badRequest("audit_log_forward_endpoint must be host:port of a syslog receiver over TCP")
                    }
                    if let control = services.auditSettings, await !control.reachable(trimmed) {
                        throw APIError.badRequest("could not connect to the audit endpoint: \(trimmed)")
                    }
                }
                changes[key] = trimmed
            case (.skipDatabase, .bool(let skip)):
                changes[key] = skip ? "true" : "false"
            case (.disabledEventTypes, .string(let list)):
                let types = AuditSettingKey.eventTypes(list)
                if let unknown = types.first(where: { AuditEventType(rawValue: $0) == nil }) {
                    throw APIError.badRequest("unknown audit log event type \(unknown.prefix(100)); known: "
                                              + AuditEventType.allCases.map(\.rawValue).joined(separator: ", "))
                }
                changes[key] = types.joined(separator: ",")
            case (nil, _):
                throw APIError.badRequest("\(key.prefix(100)) is not a configuration Berth takes yet")
            default:
                throw APIError.badRequest("\(key) has the wrong type")
            }
        }
        let stored = try await services.settings.all()
        if let mode = changes[SystemSetting.authMode.name], mode != SystemSettings(stored: stored).authMode.rawValue,
           try await services.users.count() > 1 {
            // Harbor's rule: accounts made one way would not sign in the other.
            throw APIError.badRequest("the auth mode cannot be changed once users other than the first administrator exist")
        }
        for setting in SystemSetting.all where setting.isSecret {
            if let plain = changes[setting.name], !plain.isEmpty { changes[setting.name] = try services.sealer.seal(plain) }
        }
        let endpoint = changes[AuditSettingKey.forwardEndpoint.rawValue] ?? stored[AuditSettingKey.forwardEndpoint.rawValue] ?? ""
        let skip = (changes[AuditSettingKey.skipDatabase.rawValue] ?? stored[AuditSettingKey.skipDatabase.rawValue]) == "true"
        guard !skip || !endpoint.isEmpty else {
            throw APIError.badRequest("audit log forward endpoint should be configured before enable skip audit log in database")
        }
        try await services.settings.set(changes)
        services.auditSettings?.reload()
        services.systemSettings.reload()
        if changes.keys.contains(where: { $0 == SystemSetting.authMode.name || $0.hasPrefix("ldap_") || $0.hasPrefix("oidc_") }) {
            services.authenticator.directory?.forgetAll()
        }
        // Administrators by group are so until their next sign-in says otherwise; with another
        // admin group or sign-in mode, nobody is until then.
        if changes.keys.contains(where: { [SystemSetting.authMode.name, SystemSetting.ldapGroupAdminDN.name, SystemSetting.oidcAdminGroup.name].contains($0) }) {
            try await services.users.clearGroupAdmin()
        }
        await services.audit.record(AuditEvent(
            projectID: nil, operation: "update", resourceType: "configuration", resource: "configuration",
            username: context.identity.name ?? "anonymous",
            description: "update configuration: " + changes.sorted(by: { $0.key < $1.key }).map { key, value in
                SystemSetting.named(key)?.isSecret == true ? "\(key)=***" : "\(key)=\(value)"
            }.joined(separator: ", ")))
        return JSONResponse.empty(.ok)
    }
}
