import Access
import Foundation
import HTTPTypes
import Hummingbird
import Jobs
import Metadata
import OCI
import RemoteRegistry
import Services

/// The Pluggable Scanner API v1.2 served by Berth (`/api/v1`), so Harbor (or another Berth) can
/// register Berth as its scanner: `GET /metadata`, `POST /scan` (the image is pulled from the
/// registry the request names, with the credential it carries) and `GET /scan/{id}/report`
/// (302 with `Refresh-After` until the report is ready). Callers sign in as Berth users or robots
/// with the system `scanner` permission; a request's report is for the caller that made it.
struct ScannerAdapterHandlers {
    let services: APIServices

    static let metadataType = "application/vnd.scanner.adapter.metadata+json; version=1.1"
    static let responseType = "application/vnd.scanner.adapter.scan.response+json; version=1.0"
    /// Report types served, the first when the caller states none.
    static let reportTypes = [BuiltinScanner.adapterReportType, BuiltinScanner.nativeReportType]
    static let refreshAfterSeconds = 2

    struct ScanRequestBody: Decodable {
        struct Registry: Decodable { let url: String?; let authorization: String? }
        struct Artifact: Decodable { let repository: String?; let digest: String?; let tag: String?; let mime_type: String? }
        struct Capability: Decodable { let type: String }
        let registry: Registry?
        let artifact: Artifact?
        let enabled_capabilities: [Capability]?
    }

    struct ScanResponse: Encodable { let id: String }

    func metadata(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .read))
        let metadata = ScannerHandlers(services: services)
        return try JSONResponse.ok(try await metadata.adapterMetadata(includingSBOM: false), headers: [.contentType: Self.metadataType])
    }

    func scan(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .create))
        let body = try await JSONBody.decode(ScanRequestBody.self, from: request)
        if let capabilities = body.enabled_capabilities, !capabilities.isEmpty,
           !capabilities.contains(where: { $0.type == ScanKind.vulnerability.rawValue }) {
            throw APIError(.notImplemented, code: "NOT_IMPLEMENTED", "this scanner produces vulnerability reports only through the adapter API")
        }
        guard let urlText = body.registry?.url, let url = URL(string: urlText), let scheme = url.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let host = url.host, url.user == nil else {
            throw Self.invalid("registry.url must be the http(s) URL of the registry holding the artifact")
        }
        let endpoint = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)" + (url.port.map { ":\($0)" } ?? "")
        let authorization = body.registry?.authorization.flatMap { $0.isEmpty ? nil : $0 }
        if let authorization, RemoteCredentials(authorization: authorization) == nil {
            throw Self.invalid("registry.authorization must be a Basic or Bearer Authorization value")
        }
        guard let name = body.artifact?.repository, let repository = try? RepositoryName(name) else {
            throw Self.invalid("artifact.repository must be a repository name")
        }
        guard let digestText = body.artifact?.digest, let digest = try? Digest(parsing: digestText) else {
            throw Self.invalid("artifact.digest must be a digest such as sha256:<64 hex>")
        }
        let mimeType = body.artifact?.mime_type ?? ""
        guard BuiltinScanner.consumes.contains(mimeType) else {
            throw APIError(.notImplemented, code: "NOT_IMPLEMENTED", "artifact.mime_type \(mimeType.isEmpty ? "(none)" : mimeType) is not scanned: only \(BuiltinScanner.consumes.joined(separator: ", "))")
        }
        let scanRequest = AdapterScanRequest(id: UUID().uuidString.lowercased(), registryURL: endpoint, authorization: authorization,
                                             repository: repository.value, digest: digest.description, tag: body.artifact?.tag,
                                             mimeType: mimeType, requestedBy: Self.caller(context.identity), createdAt: WallClock.nowMillis())
        let store = AdapterScanStore(database: services.database)
        try await store.insert(scanRequest)
        do {
            let parameters = AdapterScanParameters(requestID: scanRequest.id).json
            let ids = try await services.jobs.enqueueTask(vendorType: AdapterScanJob.jobType, trigger: .manual,
                                                          task: TaskSpec(jobType: AdapterScanJob.jobType, parameters: parameters, maxAttempts: 1))
            try await store.attach(scanRequest.id, taskID: ids.task)
        } catch {
            // Not left Pending for ever with the caller's credential in it.
            try? await store.delete(scanRequest.id)
            throw error
        }
        services.jobPool?.notify()
        return try JSONResponse.ok(ScanResponse(id: scanRequest.id), status: .accepted, headers: [.contentType: Self.responseType])
    }

    func report(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanner, .read))
        let id = try context.parameters.required("scan_request_id")
        guard let scan = try await AdapterScanStore(database: services.database).request(id),
              scan.requestedBy == Self.caller(context.identity) else {
            throw APIError.notFound("scan request \(id) not found")
        }
        if request.uri.queryParameters["sbom_media_type"] != nil {
            throw APIError(.notImplemented, code: "NOT_IMPLEMENTED", "this scanner produces vulnerability reports only through the adapter API")
        }
        let accepted = request.headers[.accept].map { Self.reportType(accepting: $0) } ?? Self.reportTypes[0]
        guard let type = accepted else {
            throw APIError(.notImplemented, code: "NOT_IMPLEMENTED", "reports are produced as \(Self.reportTypes.joined(separator: " or "))")
        }
        switch scan.status {
        case "Pending", "Running":
            return Response(status: .found, headers: [HTTPField.Name("Refresh-After")!: String(Self.refreshAfterSeconds)])
        case "Success" where scan.report != nil:
            return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: scan.report!)))
        default:
            throw APIError.internal("the scan failed: \(scan.statusMessage ?? "see the job service's task log")")
        }
    }

    /// The report type an `Accept` value asks for, nil when it names none this scanner writes.
    static func reportType(accepting header: String) -> String? {
        let normalise = { (type: String) in type.lowercased().replacingOccurrences(of: " ", with: "") }
        let wanted = header.split(separator: ",").map { normalise(String($0)) }
        if wanted.contains(where: { $0 == "*/*" || $0.hasPrefix("*/*;") }) { return reportTypes[0] }
        return reportTypes.first { type in wanted.contains(normalise(type)) }
    }

    static func caller(_ identity: Identity) -> String {
        switch identity {
        case .user(_, let name, _): "user:\(name)"
        case .robot(let robot): "robot:\(robot.name)"
        default: "\(identity)"
        }
    }

    static func invalid(_ message: String) -> APIError {
        APIError(.unprocessableContent, code: "UNPROCESSABLE_ENTITY", message)
    }
}

/// Renders errors of `/api/v1` as the Pluggable Scanner API's `ErrorResponse`.
struct ScannerAdapterErrorMiddleware<Context: APIContext>: RouterMiddleware {
    static var errorType: String { "application/vnd.scanner.adapter.error+json; version=1.0" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIErrorMiddleware<Context>.translate(error)
            var headers: HTTPFields = [.contentType: Self.errorType]
            if apiError.status == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"berth-scanner-adapter\"" }
            let data = try JSONEncoder().encode(AdapterErrorResponse(error: .init(message: apiError.message)))
            return Response(status: apiError.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}

/// The Pluggable Scanner API's `ErrorResponse`.
struct AdapterErrorResponse: Encodable {
    struct Message: Encodable { let message: String }
    let error: Message
}
