import Access
import Foundation
import Hummingbird
import Metadata
import Services

/// `/scanners...` and `/projects/{p}/scanner...`: Harbor's scanner registry, which lists the
/// scanner built into Berth as the default registration.
struct ScannerHandlers {
    let services: APIServices

    /// The metadata property Harbor's portal reads for the database's age.
    static let databaseUpdatedProperty = "harbor.scanner-adapter/vulnerability-database-updated-at"

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .list))
        let paging = try Pagination(request)
        return try JSONResponse.ok([builtin()], headers: paging.headers(total: 1, path: "/api/v2.0/scanners"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .read))
        return try JSONResponse.ok(try registration(try context.parameters.required("registration_id")))
    }

    /// `PATCH` with `{"is_default": true}`: the built-in scanner is the only registration, so it
    /// already is the default; `false` changes nothing, as in Harbor.
    func setDefault(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .update))
        _ = try registration(try context.parameters.required("registration_id"))
        _ = try await JSONBody.decode(IsDefaultReq.self, from: request)
        return JSONResponse.empty(.ok)
    }

    func metadata(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .read))
        _ = try registration(try context.parameters.required("registration_id"))
        return try JSONResponse.ok(try await adapterMetadata())
    }

    func projectScanner(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.scanner, .read), in: project)
        return try JSONResponse.ok(builtin())
    }

    func setProjectScanner(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.scanner, .create), in: project)
        let body = try await JSONBody.decode(ProjectScannerReq.self, from: request)
        guard let uuid = body.uuid, !uuid.isEmpty else { throw APIError.badRequest("uuid of the scanner registration is required") }
        _ = try registration(uuid)
        return JSONResponse.empty(.ok)
    }

    func candidates(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.scanner, .create), in: project)
        let paging = try Pagination(request)
        return try JSONResponse.ok([builtin()], headers: paging.headers(total: 1, path: "/api/v2.0/projects/\(project.id)/scanner/candidates"))
    }

    private func registration(_ uuid: String) throws -> ScannerRegistrationResp {
        guard uuid == BuiltinScanner.uuid else { throw APIError.notFound("scanner \(uuid) not found") }
        return builtin()
    }

    private func builtin() -> ScannerRegistrationResp {
        let epoch = Timestamp.rfc3339(millis: 0)
        return ScannerRegistrationResp(
            uuid: BuiltinScanner.uuid, name: BuiltinScanner.name, description: BuiltinScanner.description, url: BuiltinScanner.url,
            disabled: false, is_default: true, auth: "", access_credential: "", skip_certVerify: false, use_internal_addr: true,
            create_time: epoch, update_time: epoch, adapter: BuiltinScanner.name, vendor: BuiltinScanner.vendor,
            version: BuiltinScanner.version, health: "healthy",
            capabilities: ["support_vulnerability": true, "support_sbom": true])
    }

    /// The scanner's capabilities and the advisory database's state: its age (Harbor's property)
    /// and how many advisories of each ecosystem it holds.
    private func adapterMetadata() async throws -> ScannerAdapterMetadataResp {
        let state = try await services.advisories.state()
        var properties = [
            "harbor.scanner-adapter/scanner-type": "os-package-vulnerability",
            "berth.vulnerability-database/advisories": String(state.advisories),
            "berth.vulnerability-database/ecosystems": state.byEcosystem.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
        ]
        if let updated = state.updatedAt { properties[Self.databaseUpdatedProperty] = Timestamp.rfc3339(millis: updated) }
        return ScannerAdapterMetadataResp(
            scanner: ScanOverviewPresenter.scanner,
            capabilities: [
                .init(type: ScanKind.vulnerability.rawValue, consumes_mime_types: BuiltinScanner.consumes, produces_mime_types: BuiltinScanner.produces),
                .init(type: ScanKind.sbom.rawValue, consumes_mime_types: BuiltinScanner.consumes, produces_mime_types: [BuiltinScanner.sbomReportType]),
            ],
            properties: properties)
    }
}

/// `/system/CVEAllowlist`: the system allowlist (project id 0).
struct CVEAllowlistHandlers {
    let services: APIServices

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        let list = try await services.allowlists.allowlist(projectID: CVEAllowlistStore.systemProjectID)
            ?? CVEAllowlist(projectID: CVEAllowlistStore.systemProjectID, expiresAt: nil, cveIDs: [])
        return try JSONResponse.ok(Self.body(list))
    }

    func put(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.configuration, .update))
        let body: CVEAllowlistBody
        do { body = try await JSONBody.decode(CVEAllowlistBody.self, from: request) } catch {
            throw APIError.badRequest("the body must be a CVE allowlist: {\"expires_at\": <seconds or null>, \"items\": [{\"cve_id\": \"CVE-...\"}]}")
        }
        let list = try Self.validated(body, projectID: CVEAllowlistStore.systemProjectID)
        try await services.allowlists.put(list)
        await services.recordAudit(context.identity, "update", "cve_allowlist", "system", projectID: nil)
        return JSONResponse.empty(.ok)
    }

    /// Harbor's rules: no empty or repeated id; `project_id` 0 or the project's own.
    static func validated(_ body: CVEAllowlistBody, projectID: Int64) throws -> CVEAllowlist {
        if let given = body.project_id, given != 0, given != projectID {
            throw APIError.badRequest("project_id in cve_allowlist must be \(projectID) but it's \(given)")
        }
        var seen = Set<String>()
        var ids: [String] = []
        for item in body.items ?? [] {
            let id = (item.cve_id ?? "").trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw APIError.badRequest("empty or whitespace-only CVE ID in allowlist") }
            guard id.count <= 128 else { throw APIError.badRequest("CVE ID in allowlist is longer than 128 characters") }
            guard seen.insert(id).inserted else { throw APIError.badRequest("duplicate CVE ID in allowlist: \(id)") }
            ids.append(id)
        }
        if let expires = body.expires_at, expires < 0 { throw APIError.badRequest("expires_at must be seconds since the epoch or null") }
        return CVEAllowlist(projectID: projectID, expiresAt: body.expires_at, cveIDs: ids)
    }

    static func body(_ list: CVEAllowlist) -> CVEAllowlistBody {
        CVEAllowlistBody(id: list.projectID, project_id: list.projectID, expires_at: list.expiresAt,
                         items: list.cveIDs.map { .init(cve_id: $0) },
                         creation_time: Timestamp.rfc3339(millis: list.creationTime), update_time: Timestamp.rfc3339(millis: list.updateTime))
    }
}
