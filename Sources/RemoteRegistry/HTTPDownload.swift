import AsyncHTTPClient
import Foundation
import NIOCore
import OCI

/// Downloads one file over HTTP(S) into `path` (complete or absent), streaming: an osv.dev
/// `all.zip` or a mirror of one. Credentials, when configured, are sent only after the server
/// asks for them with a Basic challenge.
public enum HTTPDownload {
    @discardableResult
    public static func file(_ url: String, to path: String, limit: Int64, credentials: RemoteCredentials? = nil,
                            http: HTTPClient = OutgoingHTTP.client) async throws -> Int64 {
        var request = HTTPClientRequest(url: url)
        var response = try await RemoteRegistryClient.execute(request, http: http, timeout: RemoteRegistryClient.downloadTimeout)
        if response.status == .unauthorized {
            _ = try? await response.body.collect(upTo: 64 << 10)
            guard let credentials else { throw RemoteError.unauthorized(url: url, reason: "the server requires credentials and none are configured") }
            guard let challenge = response.headers.first(name: "WWW-Authenticate").flatMap(AuthChallenge.init(header:)),
                  challenge.scheme == "basic" else {
                throw RemoteError.unauthorized(url: url, reason: "the server asks for credentials without a Basic challenge; none were sent")
            }
            request.headers.replaceOrAdd(name: "Authorization", value: credentials.authorization)
            response = try await RemoteRegistryClient.execute(request, http: http, timeout: RemoteRegistryClient.downloadTimeout)
            if response.status == .unauthorized || response.status == .forbidden {
                _ = try? await response.body.collect(upTo: 64 << 10)
                throw RemoteError.unauthorized(url: url, reason: "refused for \(credentials)")
            }
        }
        try await RemoteRegistryClient.expectOK(response, url: url)
        return try await FileSink.write(response.body, to: path, limit: limit, url: url).size
    }
}
