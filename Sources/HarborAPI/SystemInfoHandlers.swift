import Access
import Foundation
import Hummingbird
import Metadata

/// Swagger's `GeneralInfo`, with Berth's one addition: `vulnerability_database`.
struct GeneralInfoResp: Encodable {
    let current_time: String
    let auth_mode: String
    let primary_auth_mode: Bool
    let self_registration: Bool
    /// Harbor's banner JSON text, empty for none; shown to anyone, like Harbor's login page.
    let banner_message: String
    /// The provider's name for the portal's sign-in button, in `oidc_auth` mode.
    var oidc_provider_name: String?
    var registry_url: String?
    var external_url: String?
    var project_creation_restriction: String?
    var has_ca_root: Bool?
    var harbor_version: String?
    var registry_storage_provider_name: String?
    var read_only: Bool?
    var notification_enable: Bool?
    /// Berth's: the advisory database the built-in scanner matches against, so "no results" can
    /// never be mistaken for "no database" (Harbor's Trivy answers empty until its download ends).
    var vulnerability_database: VulnerabilityDatabaseInfo?
}

struct VulnerabilityDatabaseInfo: Encodable {
    /// When the last import finished; null before the first, when scans fail rather than pass.
    let updated_at: String?
    let advisories: Int64
    let ecosystems: [String: Int64]

    enum CodingKeys: String, CodingKey { case updated_at, advisories, ecosystems }

    /// `updated_at` is written as null rather than left out: "never imported" is the answer.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(updated_at, forKey: .updated_at)
        try container.encode(advisories, forKey: .advisories)
        try container.encode(ecosystems, forKey: .ecosystems)
    }
}

/// `GET /systeminfo`. Anonymous callers get what Harbor shows them (the sign-in mode and the
/// time); signed-in callers also get the registry's address, storage and version, and the
/// advisory database's age and counts.
struct SystemInfoHandlers {
    let services: APIServices
    static let version = "berth-" + BerthVersion.current

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let settings = await services.systemSettings.current
        var info = GeneralInfoResp(current_time: Timestamp.rfc3339(millis: WallClock.nowMillis()), auth_mode: settings.text(.authMode),
                                   primary_auth_mode: false, self_registration: settings.isOn(.selfRegistration),
                                   banner_message: settings.text(.bannerMessage))
        if settings.authMode == .oidc {
            let name = settings.text(.oidcName)
            info.oidc_provider_name = name.isEmpty ? "OIDC provider" : name
        }
        if case .anonymous = context.identity { return try JSONResponse.ok(info) }
        let scheme = services.rootCertificatePEM == nil ? (request.head.scheme ?? "http") : "https"
        let external = services.externalURL ?? "\(scheme)://\(request.head.authority ?? "localhost")"
        info.external_url = external
        info.registry_url = URL(string: external).flatMap { url in url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } }
        info.project_creation_restriction = settings.text(.projectCreationRestriction)
        info.has_ca_root = services.rootCertificatePEM != nil
        info.harbor_version = Self.version
        info.registry_storage_provider_name = services.storageProviderName
        info.read_only = settings.readOnly
        info.notification_enable = settings.isOn(.notificationEnable)
        let state = try await services.advisories.state()
        info.vulnerability_database = VulnerabilityDatabaseInfo(updated_at: state.updatedAt.map(Timestamp.rfc3339(millis:)),
                                                                advisories: state.advisories, ecosystems: state.byEcosystem)
        return try JSONResponse.ok(info)
    }
}

extension SystemInfoHandlers {
    /// `GET /systeminfo/getcert`: the CA of `tls: auto`, as Harbor serves its default root
    /// certificate (a `ca.crt` download, to any caller: clients need it before they trust anything).
    func certificate(_ request: Request, context: some APIContext) async throws -> Response {
        guard let pem = services.rootCertificatePEM else {
            throw APIError.notFound("no root certificate: Berth makes its own only with tls: auto")
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=ca.crt"],
                        body: .init(byteBuffer: ByteBuffer(string: pem)))
    }

    /// `GET /systeminfo/volumes`: the local disk holding the blobs, for system administrators and
    /// robots allowed `system-volumes:read`, as Harbor reports it; 404 when the blobs are in object storage, which has no size to report.
    func volumes(_ request: Request, context: some APIContext) async throws -> Response {
        // Harbor's `system-volumes:read`: administrators, and system robots given it.
        try services.require(context.identity, system: Permission(.systemVolumes, .read))
        guard let capacity = try await services.requiredStorage().capacity() else {
            throw APIError.notFound("the blob storage (\(services.storageProviderName)) is not a local disk")
        }
        return try JSONResponse.ok(SystemVolumes(storage: [.init(total: capacity.total, free: capacity.free)]))
    }
}

/// swagger's `SystemInfo` (of `/systeminfo/volumes`).
struct SystemVolumes: Encodable {
    struct Storage: Encodable {
        let total: Int64
        let free: Int64
    }

    let storage: [Storage]
}
