import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client of one external scanner adapter (the Pluggable Scanner API v1.2: Trivy's adapter,
/// Clair's, another Berth): its metadata, scan requests, and reports polled until ready.
public struct ScannerAdapterClient: Sendable {
    /// The adapter's base URL; the API is under `/api/v1`.
    public let baseURL: String
    /// `""`, `Basic`, `Bearer` or `X-ScannerAdapter-API-Key`, as Harbor's registrations say.
    let auth: String
    let credential: String
    let http: HTTPClient

    public static let metadataType = "application/vnd.scanner.adapter.metadata+json; version=1.1"
    public static let scanRequestType = "application/vnd.scanner.adapter.scan.request+json; version=1.1"
    public static let apiKeyHeader = "X-ScannerAdapter-API-Key"
    static let timeout: TimeAmount = .seconds(30)

    /// Never follows a redirect: the credential goes to the registered address only.
    /// `skipCertVerify` is the registration's `skip_certVerify` (an adapter with a self-signed
    /// certificate).
    public init(baseURL: String, auth: String, credential: String, skipCertVerify: Bool = false) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.auth = auth
        self.credential = credential
        http = skipCertVerify ? OutgoingHTTP.unverifiedClientWithoutRedirects : OutgoingHTTP.clientWithoutRedirects
    }

    /// The adapter's `ScannerAdapterMetadata`, as JSON.
    public func metadata() async throws -> [UInt8] {
        let url = baseURL + "/api/v1/metadata"
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: Self.metadataType)
        request.headers.add(name: "Accept", value: "application/vnd.scanner.adapter.metadata+json; version=1.0")
        try authorize(&request)
        let response = try await RemoteRegistryClient.execute(request, http: http, timeout: Self.timeout)
        let body = try await RemoteRegistryClient.collect(response.body, limit: 1 << 20, url: url)
        guard response.status == .ok else { throw Self.failure(url: url, status: response.status, body: body) }
        return body
    }

    /// Sends a `ScanRequest` (JSON); returns the adapter's request id.
    public func submit(_ scanRequest: [UInt8]) async throws -> String {
        let url = baseURL + "/api/v1/scan"
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: Self.scanRequestType)
        request.headers.add(name: "Accept", value: "application/vnd.scanner.adapter.scan.response+json; version=1.0")
        try authorize(&request)
        request.body = .bytes(ByteBuffer(bytes: scanRequest))
        let response = try await RemoteRegistryClient.execute(request, http: http, timeout: Self.timeout)
        let body = try await RemoteRegistryClient.collect(response.body, limit: 1 << 20, url: url)
        guard response.status == .accepted || response.status == .ok else { throw Self.failure(url: url, status: response.status, body: body) }
        struct Accepted: Decodable { let id: String }
        guard let id = try? JSONDecoder().decode(Accepted.self, from: Data(body)).id, !id.isEmpty else {
            throw RemoteError.unsupported("\(url) accepted the scan but returned no request id")
        }
        return id
    }

    public enum ReportState: Sendable {
        /// Not ready; ask again after this many seconds.
        case pending(retryAfter: Int)
        case ready([UInt8])
    }

    /// One poll of a report, in `mimeType`.
    public func report(_ id: String, mimeType: String) async throws -> ReportState {
        let encoded = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id
        let url = baseURL + "/api/v1/scan/\(encoded)/report"
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: mimeType)
        try authorize(&request)
        let response = try await RemoteRegistryClient.execute(request, http: http, timeout: Self.timeout)
        let body = try await RemoteRegistryClient.collect(response.body, limit: 64 << 20, url: url)
        switch response.status {
        case .ok:
            return .ready(body)
        case .found, .seeOther:
            let after = response.headers.first(name: "Refresh-After").flatMap(Int.init) ?? 5
            return .pending(retryAfter: min(max(after, 1), 60))
        default:
            throw Self.failure(url: url, status: response.status, body: body)
        }
    }

    func authorize(_ request: inout HTTPClientRequest) throws {
        switch auth {
        case "":
            return
        case "Basic":
            let value = credential.lowercased().hasPrefix("basic ") ? credential : "Basic " + Data(credential.utf8).base64EncodedString()
            request.headers.replaceOrAdd(name: "Authorization", value: value)
        case "Bearer":
            let value = credential.lowercased().hasPrefix("bearer ") ? credential : "Bearer " + credential
            request.headers.replaceOrAdd(name: "Authorization", value: value)
        case Self.apiKeyHeader:
            request.headers.replaceOrAdd(name: Self.apiKeyHeader, value: credential)
        default:
            throw RemoteError.unsupported("unknown scanner auth \(auth): use Basic, Bearer or \(Self.apiKeyHeader)")
        }
    }

    /// The adapter's `ErrorResponse` message, or its status.
    static func failure(url: String, status: HTTPResponseStatus, body: [UInt8]) -> RemoteError {
        struct AdapterError: Decodable { struct Inner: Decodable { let message: String? }; let error: Inner? }
        let message = (try? JSONDecoder().decode(AdapterError.self, from: Data(body)))?.error?.message
            ?? RemoteRegistryClient.errorMessage(ByteBuffer(bytes: body))
        if status == .unauthorized || status == .forbidden {
            return .unauthorized(url: url, reason: "the scanner refused the registration's credential" + (message.isEmpty ? "" : ": \(message)"))
        }
        return .status(url: url, status: Int(status.code), message: message)
    }
}
