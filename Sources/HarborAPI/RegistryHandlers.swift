import Access
import Foundation
import Hummingbird
import Metadata
import RemoteRegistry
import RequestGrammar
import Services

/// `/registries...` and `/replication/adapters|adapterinfos`: the remote registries replication
/// and proxy-cache projects talk to. Secrets go in and are sealed; they never come back out.
struct RegistryHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.registry, .list))
        let paging = try Pagination(request)
        let name = HarborQuery.name(request)
        let all = try await services.registryEndpoints.all(nameContains: name)
        let page = paging.slice(all).map(RegistryJSON.init)
        return try JSONResponse.ok(Array(page), headers: paging.headers(total: Int64(all.count), path: "/api/v2.0/registries"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.registry, .read))
        return try JSONResponse.ok(RegistryJSON(try await stored(context)))
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.registry, .create))
        let body = try await JSONBody.decode(RegistryJSON.self, from: request)
        let now = WallClock.nowMillis()
        var record = RegistryEndpointRecord(name: body.name ?? "", url: body.url ?? "", type: body.type ?? "", description: body.description ?? "",
                                            credentialType: body.credential?.type ?? "", accessKey: body.credential?.access_key ?? "",
                                            accessSecret: body.credential?.access_secret ?? "", insecure: body.insecure ?? false,
                                            caCertificate: body.ca_certificate, creationTime: now, updateTime: now)
        try Self.validate(&record)
        let id = try await services.registryEndpoints.insert(record)
        await services.recordAudit(context.identity, "create", "registry", record.name, projectID: nil)
        return JSONResponse.created(location: "/api/v2.0/registries/\(id)")
    }

    /// Omitted fields keep their value; an omitted or empty secret keeps the stored one.
    func update(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.registry, .update))
        var record = try await stored(context)
        let body = try await JSONBody.decode(RegistryUpdateJSON.self, from: request)
        Self.apply(body, to: &record)
        record.updateTime = WallClock.nowMillis()
        try Self.validate(&record)
        try await services.registryEndpoints.update(record)
        await services.recordAudit(context.identity, "update", "registry", record.name, projectID: nil)
        return JSONResponse.empty(.ok)
    }

    /// 412 while a replication policy or a proxy-cache project uses the endpoint.
    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.registry, .delete))
        let record = try await stored(context)
        let policies = try await services.registryEndpoints.policiesUsing(record.id)
        guard policies.isEmpty else {
            throw APIError.precondition("the registry \(record.name) is used by the replication policies \(policies.joined(separator: ", "))")
        }
        let projects = try await services.registryEndpoints.proxyProjectsUsing(record.id)
        guard projects.isEmpty else {
            throw APIError.precondition("the registry \(record.name) is cached by the proxy-cache projects \(projects.joined(separator: ", "))")
        }
        try await services.registryEndpoints.delete(record.id)
        await services.recordAudit(context.identity, "delete", "registry", record.name, projectID: nil)
        return JSONResponse.empty(.ok)
    }

    /// `POST /registries/ping`: a stored endpoint (`id`, with any field overridden) or a new one.
    /// 200 when `/v2/` answers with the credentials accepted; 400 with the reason otherwise.
    func ping(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.registry, .read))
        let body = try await JSONBody.decode(RegistryUpdateJSON.self, from: request)
        var record: RegistryEndpointRecord
        if let id = body.id {
            guard let found = try await services.registryEndpoints.find(id) else { throw APIError.notFound("registry \(id) not found") }
            record = found
        } else {
            record = RegistryEndpointRecord(name: "ping", url: "", type: body.type ?? "", creationTime: 0, updateTime: 0)
        }
        if let type = body.type { record.type = type }
        // The stored secret is never sent to another address than its own: a ping of a changed
        // URL must bring its credential (as with scanner registrations).
        let storedURL = record.url
        Self.apply(body, to: &record)
        if body.id != nil, let url = body.url, Self.normalized(url) != storedURL, (body.access_secret ?? "").isEmpty || body.access_secret == "*****" {
            record.accessSecret = ""
            record.accessKey = body.access_key ?? ""
            if record.credentialType == "basic" { record.credentialType = "" }
        }
        try Self.validate(&record)
        do {
            try await RemoteReplicationEndpoint(endpoint: record).client.ping()
        } catch {
            if body.id != nil { try? await services.registryEndpoints.setStatus(record.id, healthy: false) }
            throw APIError.badRequest("the registry is unhealthy: \(error)")
        }
        if body.id != nil { try? await services.registryEndpoints.setStatus(record.id, healthy: true) }
        return JSONResponse.empty(.ok)
    }

    func info(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.registry, .read))
        let record = try await stored(context)
        guard let adapter = RegistryAdapter(rawValue: record.type) else { throw APIError.internal("the registry has an unknown type") }
        return try JSONResponse.ok(RegistryInfoJSON(
            type: adapter.rawValue, description: adapter.description,
            supported_resource_filters: adapter.supportedFilters.map { FilterStyleJSON(type: $0.type, style: $0.style, values: $0.values) },
            supported_triggers: adapter.supportedTriggers, supported_copy_by_chunk: true))
    }

    func adapters(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replicationAdapter, .list))
        return try JSONResponse.ok(RegistryAdapter.allCases.map(\.rawValue).sorted())
    }

    /// Endpoint patterns of the adapters whose registry has a fixed address.
    func adapterInfos(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replicationAdapter, .list))
        var infos: [String: RegistryProviderInfoJSON] = [:]
        for adapter in RegistryAdapter.allCases {
            guard let url = adapter == .dockerHub ? "https://hub.docker.com" : adapter.defaultURL else { continue }
            let host = URL(string: url)?.host ?? url
            infos[adapter.rawValue] = RegistryProviderInfoJSON(endpoint_pattern: .init(
                endpoint_type: "EndpointPatternTypeFix", endpoints: [RegistryEndpointJSON(key: host, value: url)]))
        }
        return try JSONResponse.ok(infos)
    }

    // MARK: helpers

    private func stored(_ context: some APIContext) async throws -> RegistryEndpointRecord {
        let id = try context.parameters.requiredID("id")
        guard let record = try await services.registryEndpoints.find(id) else { throw APIError.notFound("registry \(id) not found") }
        return record
    }

    static func apply(_ body: RegistryUpdateJSON, to record: inout RegistryEndpointRecord) {
        if let name = body.name { record.name = name }
        if let description = body.description { record.description = description }
        if let url = body.url { record.url = url }
        if let type = body.credential_type { record.credentialType = type }
        if let key = body.access_key { record.accessKey = key }
        if let secret = body.access_secret, !secret.isEmpty, secret != "*****" {
            record.accessSecret = secret
            record.secretUnreadable = false
        }
        if let insecure = body.insecure { record.insecure = insecure }
        if let ca = body.ca_certificate { record.caCertificate = ca.isEmpty ? nil : ca }
    }

    static func normalized(_ url: String) -> String {
        var url = url.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Normalises the URL and refuses what cannot work, naming the field.
    static func validate(_ record: inout RegistryEndpointRecord) throws {
        record.name = record.name.trimmingCharacters(in: .whitespaces)
        guard !record.name.isEmpty, record.name.count <= 255 else { throw APIError.badRequest("name is required (at most 255 characters)") }
        guard let adapter = RegistryAdapter(rawValue: record.type) else {
            throw APIError.badRequest("adapter type '\(record.type)' is not supported (supported: "
                                      + RegistryAdapter.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        var url = normalized(record.url)
        if url.isEmpty, let fixed = adapter.defaultURL { url = fixed }
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme),
              let host = parsed.host, !host.isEmpty, parsed.path.isEmpty, parsed.query == nil, parsed.user == nil else {
            throw APIError.badRequest("url must be http(s)://host[:port] without a path or credentials (got '\(record.url)')")
        }
        record.url = url
        if record.credentialType.isEmpty && !record.accessKey.isEmpty { record.credentialType = "basic" }
        guard ["", "basic", "oauth", "secret"].contains(record.credentialType) else {
            throw APIError.badRequest("credential type must be basic, oauth or secret (got '\(record.credentialType)')")
        }
        if record.credentialType == "basic" && (record.accessKey.isEmpty || (record.accessSecret.isEmpty && !record.secretUnreadable)) {
            throw APIError.badRequest("a basic credential needs access_key and access_secret")
        }
        if let ca = record.caCertificate, !ca.isEmpty {
            do { try OutgoingHTTP.validateCertificate(ca) } catch { throw APIError.badRequest("ca_certificate: \(error)") }
        }
    }
}
