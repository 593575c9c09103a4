import Access
import Foundation
import Hummingbird
import Metadata
import NIOCore
import RemoteRegistry
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
        let all = try await registrations()
        let page = paging.slice(all)
        return try JSONResponse.ok(page, headers: paging.headers(total: Int64(all.count), path: "/api/v2.0/scanners"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .read))
        return try JSONResponse.ok(try await registration(try context.parameters.required("registration_id")))
    }

    /// `POST /scanners`: registers an external adapter. It need not answer yet (`/scanners/ping`
    /// tests that); a scan through it that cannot reach it fails with the reason in its log.
    func create(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .create))
        let body = try await JSONBody.decode(ScannerRegistrationReq.self, from: request)
        let now = WallClock.nowMillis()
        var record = ScannerRegistrationRecord(
            uuid: UUID().uuidString.lowercased(), name: "", description: body.description ?? "", url: "", auth: "", accessCredential: "",
            skipCertVerify: body.skip_certVerify ?? false, useInternalAddr: body.use_internal_addr ?? false, disabled: body.disabled ?? false,
            isDefault: false, createTime: now, updateTime: now)
        try Self.apply(body.settings, to: &record, keepingCredential: false)
        try await scannerStore.insert(record)
        await services.recordAudit(context.identity, "create", "scanner", record.name, projectID: nil)
        return JSONResponse.created(location: "/api/v2.0/scanners/\(record.uuid)")
    }

    /// `PUT /scanners/{id}`: an omitted or empty credential keeps the stored one while `auth` asks
    /// for one (Harbor's rule, so a client can send back what it read).
    func update(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .update))
        var record = try await external(try context.parameters.required("registration_id"))
        let body = try await JSONBody.decode(ScannerRegistrationReq.self, from: request)
        try Self.apply(body.settings, to: &record, keepingCredential: true)
        record.description = body.description ?? record.description
        record.skipCertVerify = body.skip_certVerify ?? record.skipCertVerify
        record.useInternalAddr = body.use_internal_addr ?? record.useInternalAddr
        record.disabled = body.disabled ?? record.disabled
        if record.disabled && record.isDefault {
            throw APIError.badRequest("the default scanner cannot be disabled: make another scanner the default first")
        }
        record.updateTime = WallClock.nowMillis()
        try await scannerStore.update(record)
        return JSONResponse.empty(.ok)
    }

    /// Returns the deleted registration, as Harbor does; its projects fall back to the default.
    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .delete))
        let record = try await external(try context.parameters.required("registration_id"))
        try await scannerStore.delete(record.uuid)
        await services.recordAudit(context.identity, "delete", "scanner", record.name, projectID: nil)
        return try JSONResponse.ok(Self.present(record))
    }

    /// `PATCH` with `{"is_default": true}` makes the registration the system default; `false`
    /// changes nothing, as in Harbor. The built-in scanner is the default while no other is.
    func setDefault(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .update))
        let uuid = try context.parameters.required("registration_id")
        let target = try await registration(uuid)
        guard try await JSONBody.decode(IsDefaultReq.self, from: request).is_default == true else { return JSONResponse.empty(.ok) }
        if target.disabled { throw APIError.badRequest("a disabled scanner cannot be the default") }
        try await scannerStore.setDefault(uuid == BuiltinScanner.uuid ? nil : uuid)
        return JSONResponse.empty(.ok)
    }

    /// `POST /scanners/ping`: reads the adapter's metadata with these settings; 400 with the reason
    /// when it does not answer as a scanner adapter.
    func ping(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .create))
        let settings = try await JSONBody.decode(ScannerRegistrationSettingsReq.self, from: request)
        var record = ScannerRegistrationRecord(uuid: "", name: "", description: "", url: "", auth: "", accessCredential: "", skipCertVerify: false,
                                               useInternalAddr: false, disabled: false, isDefault: false, createTime: 0, updateTime: 0)
        try Self.apply(settings, to: &record, keepingCredential: false)
        _ = try await Self.adapterMetadata(of: record)
        return JSONResponse.empty(.ok)
    }

    func metadata(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .read))
        let uuid = try context.parameters.required("registration_id")
        guard uuid != BuiltinScanner.uuid else { return try JSONResponse.ok(try await adapterMetadata()) }
        let metadata = try await Self.adapterMetadata(of: try await external(uuid))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: metadata)))
    }

    func projectScanner(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.scanner, .read), in: project)
        guard let chosen = try await scannerStore.effective(forProject: project.id) else { return try JSONResponse.ok(try await builtin()) }
        return try JSONResponse.ok(Self.present(chosen))
    }

    func setProjectScanner(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.scanner, .create), in: project)
        let body = try await JSONBody.decode(ProjectScannerReq.self, from: request)
        guard let uuid = body.uuid, !uuid.isEmpty else { throw APIError.badRequest("uuid of the scanner registration is required") }
        let chosen = try await registration(uuid)
        if chosen.disabled { throw APIError.badRequest("the scanner \(chosen.name) is disabled") }
        try await scannerStore.setProjectChoice(project.id, uuid: uuid)
        return JSONResponse.empty(.ok)
    }

    func candidates(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.scanner, .create), in: project)
        let paging = try Pagination(request)
        let enabled = try await registrations().filter { !$0.disabled }
        let page = paging.slice(enabled)
        return try JSONResponse.ok(page, headers: paging.headers(total: Int64(enabled.count), path: "/api/v2.0/projects/\(project.id)/scanner/candidates"))
    }

    private var scannerStore: ScannerRegistrationStore { ScannerRegistrationStore(database: services.database, sealer: services.sealer) }

    /// The built-in scanner first, then the registered adapters.
    private func registrations() async throws -> [ScannerRegistrationResp] {
        let external = try await scannerStore.all()
        return [try await builtin(defaultAmong: external)] + external.map(Self.present)
    }

    private func registration(_ uuid: String) async throws -> ScannerRegistrationResp {
        if uuid == BuiltinScanner.uuid { return try await builtin() }
        return Self.present(try await external(uuid))
    }

    private func external(_ uuid: String) async throws -> ScannerRegistrationRecord {
        guard uuid != BuiltinScanner.uuid else { throw APIError.badRequest("the built-in scanner cannot be changed or removed") }
        guard let record = try await scannerStore.find(uuid) else { throw APIError.notFound("scanner \(uuid) not found") }
        return record
    }

    private func builtin(defaultAmong external: [ScannerRegistrationRecord]? = nil) async throws -> ScannerRegistrationResp {
        let others: [ScannerRegistrationRecord]
        if let external { others = external } else { others = try await scannerStore.all() }
        let epoch = Timestamp.rfc3339(millis: 0)
        return ScannerRegistrationResp(
            uuid: BuiltinScanner.uuid, name: BuiltinScanner.name, description: BuiltinScanner.description, url: BuiltinScanner.url,
            disabled: false, is_default: !others.contains(where: \.isDefault), auth: "", access_credential: "", skip_certVerify: false,
            use_internal_addr: true, create_time: epoch, update_time: epoch, adapter: BuiltinScanner.name, vendor: BuiltinScanner.vendor,
            version: BuiltinScanner.version, health: "healthy",
            capabilities: ["support_vulnerability": true, "support_sbom": true])
    }

    /// A registration as the API shows it: never its credential.
    static func present(_ record: ScannerRegistrationRecord) -> ScannerRegistrationResp {
        ScannerRegistrationResp(
            uuid: record.uuid, name: record.name, description: record.description, url: record.url, disabled: record.disabled,
            is_default: record.isDefault, auth: record.auth, access_credential: "", skip_certVerify: record.skipCertVerify,
            use_internal_addr: record.useInternalAddr, create_time: Timestamp.rfc3339(millis: record.createTime),
            update_time: Timestamp.rfc3339(millis: record.updateTime), adapter: "", vendor: "", version: "", health: "",
            capabilities: ["support_vulnerability": true, "support_sbom": false])
    }

    static let authTypes = ["", "Basic", "Bearer", ScannerAdapterClient.apiKeyHeader]

    /// Validates name, URL, auth and credential into the record.
    static func apply(_ settings: ScannerRegistrationSettingsReq, to record: inout ScannerRegistrationRecord, keepingCredential: Bool) throws {
        let previousURL = record.url
        if let name = settings.name ?? (keepingCredential ? record.name : nil) {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 255 else { throw APIError.badRequest("name must be 1 to 255 characters") }
            record.name = trimmed
        } else {
            throw APIError.badRequest("name is required")
        }
        guard let text = settings.url ?? (keepingCredential ? record.url : nil), let url = URL(string: text),
              let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil, url.user == nil else {
            throw APIError.badRequest("url must be the http(s) base URL of the scanner adapter, such as http://harbor-scanner-trivy:8080")
        }
        record.url = text.hasSuffix("/") ? String(text.dropLast()) : text
        let auth = settings.auth ?? (keepingCredential ? record.auth : "")
        guard authTypes.contains(auth) else { throw APIError.badRequest("auth must be empty, Basic, Bearer or \(ScannerAdapterClient.apiKeyHeader)") }
        let credential = settings.access_credential ?? ""
        // A stored credential is kept only for the same adapter: never sent to a new address.
        let sameAdapter = keepingCredential && record.url == previousURL && record.auth == auth
        if auth.isEmpty {
            record.accessCredential = ""
        } else if !credential.isEmpty {
            if auth == "Basic", !credential.lowercased().hasPrefix("basic "), !credential.contains(":") {
                throw APIError.badRequest("access_credential of Basic auth is user:password")
            }
            record.accessCredential = credential
        } else if !(sameAdapter && !record.accessCredential.isEmpty) {
            throw APIError.badRequest(keepingCredential ? "access_credential is required with auth \(auth) when the url or auth changes"
                                                        : "access_credential is required with auth \(auth)")
        }
        record.auth = auth
    }

    /// The adapter's metadata, or a 400 saying why it could not be read.
    static func adapterMetadata(of record: ScannerRegistrationRecord) async throws -> [UInt8] {
        do {
            let bytes = try await ScannerAdapterClient(baseURL: record.url, auth: record.auth, credential: record.accessCredential,
                                                       skipCertVerify: record.skipCertVerify).metadata()
            struct Metadata: Decodable { struct Scanner: Decodable { let name: String? }; let scanner: Scanner? }
            guard (try? JSONDecoder().decode(Metadata.self, from: Data(bytes)))?.scanner != nil else {
                throw APIError.badRequest("\(record.url) answered, but not with scanner adapter metadata")
            }
            return bytes
        } catch let error as RemoteError {
            throw APIError.badRequest("the scanner adapter at \(record.url) could not be used: \(error)")
        }
    }

    /// The scanner's capabilities and the advisory database's state: its age (Harbor's property)
    /// and how many advisories of each ecosystem it holds.
    /// `includingSBOM: false` for the adapter API (`/api/v1`), which produces vulnerability reports only.
    func adapterMetadata(includingSBOM: Bool = true) async throws -> ScannerAdapterMetadataResp {
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
            ] + (includingSBOM ? [
                .init(type: ScanKind.sbom.rawValue, consumes_mime_types: BuiltinScanner.consumes, produces_mime_types: [BuiltinScanner.sbomReportType]),
            ] : []),
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
