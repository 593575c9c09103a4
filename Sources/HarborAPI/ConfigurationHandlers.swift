import Access
import Foundation
import Hummingbird
import Metadata

/// `GET` and `PUT /api/v2.0/configurations`, system administrators only. The audit log's keys
/// (`audit_log_forward_endpoint`, `skip_audit_log_database`, `disabled_audit_log_event_types`),
/// `read_only`, `project_creation_restriction` and `storage_per_project`; other keys are refused by
/// name rather than ignored, so a script learns what does not apply.
struct ConfigurationHandlers {
    let services: APIServices

    struct Item<Value: Encodable>: Encodable {
        let value: Value
        let editable = true
    }

    struct ConfigurationsResp: Encodable {
        let audit_log_forward_endpoint: Item<String>
        let skip_audit_log_database: Item<Bool>
        let disabled_audit_log_event_types: Item<String>
        let read_only: Item<Bool>
        let project_creation_restriction: Item<String>
        let storage_per_project: Item<Int64>
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.configuration, .read))
        let stored = try await services.settings.all()
        return try JSONResponse.ok(ConfigurationsResp(
            audit_log_forward_endpoint: Item(value: stored[AuditSettingKey.forwardEndpoint.rawValue] ?? ""),
            skip_audit_log_database: Item(value: stored[AuditSettingKey.skipDatabase.rawValue] == "true"),
            disabled_audit_log_event_types: Item(value: stored[AuditSettingKey.disabledEventTypes.rawValue] ?? ""),
            read_only: Item(value: stored[ReadOnlySwitch.key] == "true"),
            project_creation_restriction: Item(value: stored[SystemSettingKey.projectCreationRestriction] ?? "everyone"),
            storage_per_project: Item(value: stored[SystemSettingKey.storagePerProject].flatMap(Int64.init) ?? QuotaStore.unlimited)))
    }

    /// The stored text of one of the system keys, or nil when `key` is not one of them.
    static func systemSetting(_ key: String, _ value: JSONValue) throws -> String? {
        switch key {
        case ReadOnlySwitch.key:
            guard case .bool(let on) = value else { throw APIError.badRequest("read_only must be true or false") }
            return on ? "true" : "false"
        case SystemSettingKey.projectCreationRestriction:
            guard case .string(let who) = value, ["everyone", "adminonly"].contains(who) else {
                throw APIError.badRequest("project_creation_restriction must be everyone or adminonly")
            }
            return who
        case SystemSettingKey.storagePerProject:
            guard case .number(let bytes) = value, bytes == bytes.rounded(), QuotaStore.isValid(hard: Int64(exactly: bytes) ?? 0) else {
                throw APIError.badRequest("storage_per_project must be -1 (unlimited) or 1 to \(QuotaStore.maximum) bytes")
            }
            return String(Int64(bytes))
        default:
            return nil
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
        let endpoint = changes[AuditSettingKey.forwardEndpoint.rawValue] ?? stored[AuditSettingKey.forwardEndpoint.rawValue] ?? ""
        let skip = (changes[AuditSettingKey.skipDatabase.rawValue] ?? stored[AuditSettingKey.skipDatabase.rawValue]) == "true"
        guard !skip || !endpoint.isEmpty else {
            throw APIError.badRequest("audit log forward endpoint should be configured before enable skip audit log in database")
        }
        try await services.settings.set(changes)
        services.auditSettings?.reload()
        services.readOnly.reload()
        await services.audit.record(AuditEvent(
            projectID: nil, operation: "update", resourceType: "configuration", resource: "configuration",
            username: context.identity.name ?? "anonymous",
            description: "update configuration: " + changes.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))
        return JSONResponse.empty(.ok)
    }
}
