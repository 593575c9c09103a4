import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import OCI

/// A client of one remote OCI distribution registry (another Berth, Harbor, distribution, a
/// mirror of an advisory database): fetches manifests and streams blobs to files, answering the
/// registry's challenge itself (the Bearer token dance of `WWW-Authenticate`, or Basic). Tokens
/// are kept per scope for the client's life (a refused one is replaced by a new challenge's).
/// Used by advisory import, replication and the proxy cache.
public struct RemoteRegistryClient: Sendable {
    /// `https://host[:port]` or `http://host[:port]`, no path.
    public let endpoint: String
    let credentials: RemoteCredentials?
    let http: HTTPClient
    private let authorizations = NIOLockedValueBox<[String: String]>([:])

    static let requestTimeout: TimeAmount = .seconds(60)
    static let downloadTimeout: TimeAmount = .hours(1)
    /// A streamed upload's deadline covers the whole body, which a rate limit can make long; a
    /// stalled connection is still given up after the client's 60 s read timeout.
    static let streamTimeout: TimeAmount = .hours(24 * 7)

    public init(endpoint: String, credentials: RemoteCredentials? = nil, http: HTTPClient = OutgoingHTTP.client) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.credentials = credentials
        self.http = http
    }

    public struct FetchedManifest: Sendable {
        public let bytes: [UInt8]
        public let mediaType: String
        public let digest: Digest
        public let manifest: Manifest
    }

    /// The manifest or index at `reference`; checked against the digest when asked by digest.
    public func manifest(_ repository: RepositoryName, reference: Reference) async throws -> FetchedManifest {
        let path = "/v2/\(repository)/manifests/\(reference)"
        let response = try await get(path, scope: "repository:\(repository):pull", timeout: Self.requestTimeout,
                                     accept: [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList])
        let url = endpoint + path
        try await Self.expectOK(response, url: url)
        let body = try await Self.collect(response.body, limit: Manifest.maximumSize, url: url)
        let mediaType = response.headers.first(name: "Content-Type").map { String($0.split(separator: ";")[0]).trimmingSpaces() } ?? ""
        let digest: Digest
        if case .digest(let expected) = reference {
            digest = Digest.of(body, algorithm: expected.algorithm)
            guard digest == expected else { throw RemoteError.digestMismatch(url: url, expected: expected.description, actual: digest.description) }
        } else {
            digest = Digest.of(body)
        }
        do {
            return FetchedManifest(bytes: body, mediaType: mediaType, digest: digest, manifest: try Manifest(bytes: body, contentType: mediaType))
        } catch {
            throw RemoteError.unsupported("\(url) is not a manifest this client reads: \(error)")
        }
    }

    /// Streams the blob into `path` (complete or absent, never partial), checking its digest and
    /// size on the way; returns its size.
    @discardableResult
    public func downloadBlob(_ repository: RepositoryName, digest: Digest, to path: String, limit: Int64) async throws -> Int64 {
        let blobPath = "/v2/\(repository)/blobs/\(digest)"
        let url = endpoint + blobPath
        let response = try await get(blobPath, scope: "repository:\(repository):pull", timeout: Self.downloadTimeout, accept: [])
        try await Self.expectOK(response, url: url)
        let written = try await FileSink.write(response.body, to: path, limit: limit, url: url, algorithm: digest.algorithm)
        guard written.digest == digest else {
            unlink(path)
            throw RemoteError.digestMismatch(url: url, expected: digest.description, actual: written.digest.description)
        }
        return written.size
    }

    /// A GET that answers the registry's challenge once (see `send`).
    func get(_ path: String, scope: String, timeout: TimeAmount, accept: [String], headers: HTTPHeaders = [:]) async throws -> HTTPClientResponse {
        var all = headers
        for type in accept { all.add(name: "Accept", value: type) }
        return try await send(.GET, path, scope: scope, headers: all, timeout: timeout)
    }

    /// A request that answers the registry's challenge once: a 401 with `WWW-Authenticate` gets a
    /// token (or Basic credentials) for `scope`, and the request is sent again with it. `path` may
    /// also be an absolute URL (an upload's `Location`). The body is bytes, so it can be sent twice;
    /// streamed bodies go through `sendAuthorized` once a token for their scope is known.
    func send(_ method: HTTPMethod, _ path: String, scope: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil,
              timeout: TimeAmount = RemoteRegistryClient.requestTimeout) async throws -> HTTPClientResponse {
        let url = absoluteURL(path)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let ownOrigin = isOwnOrigin(url)
        if ownOrigin, let known = authorizations.withLockedValue({ $0[scope] }) ?? credentials.flatMap({ $0.isBearer ? $0.authorization : nil }) {
            request.headers.replaceOrAdd(name: "Authorization", value: known)
        }
        let response = try await Self.execute(request, http: http, timeout: timeout)
        guard response.status == .unauthorized else { return response }
        guard ownOrigin else {
            // An upload location or a next page on another host gets no credential of this endpoint.
            throw RemoteError.unauthorized(url: Self.withoutQuery(url), reason: "another host than the endpoint asked for credentials")
        }
        if let credentials, credentials.isBearer {
            let message = Self.errorMessage(try? await response.body.collect(upTo: 64 << 10))
            throw RemoteError.unauthorized(url: url, reason: "the registry refused the bearer token" + (message.isEmpty ? "" : ": \(message)"))
        }
        let refusal = Self.errorMessage(try? await response.body.collect(upTo: 64 << 10))
        guard let header = response.headers.first(name: "WWW-Authenticate"), let challenge = AuthChallenge(header: header) else {
            throw RemoteError.unauthorized(url: url, reason: "401 without a WWW-Authenticate challenge" + (refusal.isEmpty ? "" : ": \(refusal)"))
        }
        let authorization = try await authorize(challenge, scope: scope, url: url)
        authorizations.withLockedValue { $0[scope] = authorization }
        request.headers.replaceOrAdd(name: "Authorization", value: authorization)
        let second = try await Self.execute(request, http: http, timeout: timeout)
        guard second.status == .unauthorized || second.status == .forbidden else { return second }
        let message = Self.errorMessage(try? await second.body.collect(upTo: 64 << 10))
        throw RemoteError.unauthorized(url: url, reason: (credentials.map { "refused for \($0)" } ?? "the registry requires credentials and none are configured")
                                       + (message.isEmpty ? "" : ": \(message)"))
    }

    /// Sends a request whose body can be sent only once (a streamed blob) with the authorization
    /// already obtained for `scope`; a 401 here is an error, not a challenge to answer.
    func sendAuthorized(_ request: HTTPClientRequest, scope: String, timeout: TimeAmount) async throws -> HTTPClientResponse {
        var request = request
        if isOwnOrigin(request.url),
           let known = authorizations.withLockedValue({ $0[scope] }) ?? credentials.flatMap({ $0.isBearer ? $0.authorization : nil }) {
            request.headers.replaceOrAdd(name: "Authorization", value: known)
        }
        return try await Self.execute(request, http: http, timeout: timeout)
    }

    /// Whether `url` is on the endpoint itself (scheme, host and port): only then does a request
    /// carry the endpoint's credentials or tokens.
    func isOwnOrigin(_ url: String) -> Bool {
        guard let target = URLComponents(string: url), let home = URLComponents(string: endpoint) else { return false }
        func port(_ c: URLComponents) -> Int? { c.port ?? (c.scheme == "https" ? 443 : c.scheme == "http" ? 80 : nil) }
        return target.scheme == home.scheme && target.host?.lowercased() == home.host?.lowercased() && port(target) == port(home)
    }

    /// `path` against the endpoint; an absolute URL is kept as it is.
    func absoluteURL(_ path: String) -> String {
        path.hasPrefix("http://") || path.hasPrefix("https://") ? path : endpoint + path
    }

    /// The `Authorization` value that answers a challenge.
    func authorize(_ challenge: AuthChallenge, scope: String, url: String) async throws -> String {
        switch challenge.scheme {
        case "basic":
            guard let credentials else {
                throw RemoteError.unauthorized(url: url, reason: "the registry asks for Basic credentials and none are configured")
            }
            return credentials.authorization
        case "bearer":
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm),
                  let scheme = components.scheme, ["http", "https"].contains(scheme) else {
                throw RemoteError.unauthorized(url: url, reason: "the Bearer challenge names no usable token realm")
            }
            if endpoint.hasPrefix("https://") && scheme == "http" && credentials != nil {
                throw RemoteError.unauthorized(url: url, reason: "the token realm \(realm) is plain http: the credentials are not sent there")
            }
            var query = components.queryItems ?? []
            if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            // Every scope the request needs (a mount needs the source's pull too), and the one
            // the challenge names, each as its own parameter as distribution's token service reads them.
            var scopes = scope.split(separator: " ").map(String.init)
            for named in (challenge.parameters["scope"] ?? "").split(separator: " ").map(String.init) where !scopes.contains(named) {
                scopes.append(named)
            }
            query += scopes.map { URLQueryItem(name: "scope", value: $0) }
            components.queryItems = query
            guard let tokenURL = components.string else { throw RemoteError.unauthorized(url: url, reason: "bad token realm \(realm)") }
            var request = HTTPClientRequest(url: tokenURL)
            if let credentials { request.headers.add(name: "Authorization", value: credentials.authorization) }
            let response = try await Self.execute(request, http: http, timeout: Self.requestTimeout)
            let body = try await Self.collect(response.body, limit: 1 << 20, url: realm)
            guard response.status == .ok else {
                throw RemoteError.unauthorized(url: realm, reason: "the token service answered \(response.status.code)"
                                               + (credentials.map { " for \($0)" } ?? " to an anonymous request")
                                               + { let m = Self.errorMessage(ByteBuffer(bytes: body)); return m.isEmpty ? "" : ": \(m)" }())
            }
            struct TokenResponse: Decodable { let token: String?; let access_token: String? }
            guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: Data(body)),
                  let token = decoded.token ?? decoded.access_token, !token.isEmpty else {
                throw RemoteError.unauthorized(url: realm, reason: "the token service's answer holds no token")
            }
            return "Bearer " + token
        default:
            throw RemoteError.unauthorized(url: url, reason: "unsupported authentication scheme \(challenge.scheme)")
        }
    }

    static func execute(_ request: HTTPClientRequest, http: HTTPClient, timeout: TimeAmount) async throws -> HTTPClientResponse {
        do {
            return try await http.execute(request, timeout: timeout)
        } catch let error as HTTPClientError {
            throw RemoteError.unreachable(url: withoutQuery(request.url), reason: "\(error)")
        } catch let error as RemoteError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw RemoteError.unreachable(url: withoutQuery(request.url), reason: "\(error)")
        }
    }

    static func expectOK(_ response: HTTPClientResponse, url: String) async throws {
        guard response.status == .ok else {
            let message = errorMessage(try? await response.body.collect(upTo: 64 << 10))
            throw RemoteError.status(url: url, status: Int(response.status.code), message: message)
        }
    }

    static func collect(_ body: HTTPClientResponse.Body, limit: Int, url: String) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in body {
            guard bytes.count + buffer.readableBytes <= limit else { throw RemoteError.tooLarge(url: url, limit: Int64(limit)) }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }

    /// `CODE: message` from an OCI or Harbor error body, else the start of the text.
    static func errorMessage(_ body: ByteBuffer?) -> String {
        guard let body, body.readableBytes > 0 else { return "" }
        let data = Data(body.readableBytesView)
        struct Errors: Decodable { struct Item: Decodable { let code: String?; let message: String? }; let errors: [Item] }
        if let decoded = try? JSONDecoder().decode(Errors.self, from: data), !decoded.errors.isEmpty {
            return decoded.errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
        }
        return String(String(decoding: data, as: UTF8.self).prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
