import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI

/// What replication and the proxy cache ask of a remote registry beyond reading a manifest:
/// existence checks, streamed blob reads, uploads (mount, monolithic or chunked, resumable),
/// manifest writes and deletes, and discovery (`_catalog`, `tags/list`, referrers).
extension RemoteRegistryClient {
    static let manifestTypes = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList]

    static func pullScope(_ repository: String) -> String { "repository:\(repository):pull" }
    static func pushScope(_ repository: String) -> String { "repository:\(repository):pull,push" }

    /// Checks the endpoint and the credentials: `/v2/` must answer 200 once the challenge (if any)
    /// is answered. Throws what went wrong in words.
    public func ping() async throws {
        let response = try await send(.GET, "/v2/", scope: "registry:catalog:*")
        // Some token services refuse the catalog scope yet accept the credentials: a 401 after a
        // granted token is still a refusal, which `send` has already thrown.
        try await Self.expectStatus(response, [.ok], url: endpoint + "/v2/")
    }

    /// The digest, media type and size of the manifest at `reference`; nil when the registry has none.
    public func manifestHead(_ repository: String, reference: String) async throws -> (digest: Digest, mediaType: String, size: Int64)? {
        let path = "/v2/\(repository)/manifests/\(reference)"
        var headers = HTTPHeaders()
        for type in Self.manifestTypes { headers.add(name: "Accept", value: type) }
        let response = try await send(.HEAD, path, scope: Self.pullScope(repository), headers: headers)
        if response.status == .notFound { return nil }
        try await Self.expectStatus(response, [.ok], url: endpoint + path)
        guard let digestText = response.headers.first(name: "Docker-Content-Digest"), let digest = try? Digest(parsing: digestText) else {
            // Without the header only a GET tells the digest.
            let fetched = try await manifest(try RepositoryName(repository), reference: try Reference(reference))
            return (fetched.digest, fetched.mediaType, Int64(fetched.bytes.count))
        }
        let mediaType = response.headers.first(name: "Content-Type").map { String($0.split(separator: ";")[0]) } ?? ""
        return (digest, mediaType, Int64(response.headers.first(name: "Content-Length").flatMap { Int64($0) } ?? 0))
    }

    /// The blob's size when `repository` can serve it, nil when not.
    public func blobSize(_ repository: String, digest: Digest, forPush: Bool = false) async throws -> Int64? {
        let path = "/v2/\(repository)/blobs/\(digest)"
        let scope = forPush ? Self.pushScope(repository) : Self.pullScope(repository)
        let response = try await send(.HEAD, path, scope: scope)
        if response.status == .notFound { return nil }
        try await Self.expectStatus(response, [.ok], url: endpoint + path)
        return response.headers.first(name: "Content-Length").flatMap { Int64($0) } ?? 0
    }

    /// The blob's bytes from `offset` on (a resumed copy); `resumed` is false when the server
    /// ignored the range and sends the whole blob.
    public func openBlob(_ repository: String, digest: Digest, from offset: Int64 = 0) async throws
        -> (body: ByteChunks, length: Int64?, resumed: Bool) {
        let path = "/v2/\(repository)/blobs/\(digest)"
        var headers = HTTPHeaders()
        if offset > 0 { headers.add(name: "Range", value: "bytes=\(offset)-") }
        let response = try await send(.GET, path, scope: Self.pullScope(repository), headers: headers, timeout: Self.downloadTimeout)
        try await Self.expectStatus(response, offset > 0 ? [.ok, .partialContent] : [.ok], url: endpoint + path)
        let length = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
        return (ByteChunks(response.body), length, response.status == .partialContent)
    }

    /// Asks the registry to link a blob `source` holds into `repository`; true when it did (201).
    /// An upload session it opened instead (202) is closed again.
    public func mountBlob(_ digest: Digest, from source: String, into repository: String) async throws -> Bool {
        let path = "/v2/\(repository)/blobs/uploads/?mount=\(digest)&from=\(source)"
        let response = try await send(.POST, path, scope: Self.pushScope(repository) + " " + Self.pullScope(source))
        if response.status == .created { return true }
        try await Self.expectStatus(response, [.accepted], url: endpoint + path)
        if let location = try? Self.location(response, url: endpoint + path) { await cancelUpload(repository, location: location) }
        return false
    }

    /// Closes an upload session that will not be completed (best effort: the registry expires it
    /// anyway).
    public func cancelUpload(_ repository: String, location: String) async {
        _ = try? await send(.DELETE, location, scope: Self.pushScope(repository))
    }

    /// Opens an upload session; returns its location.
    public func startUpload(_ repository: String) async throws -> String {
        let path = "/v2/\(repository)/blobs/uploads/"
        let response = try await send(.POST, path, scope: Self.pushScope(repository))
        try await Self.expectStatus(response, [.accepted], url: endpoint + path)
        return try Self.location(response, url: endpoint + path)
    }

    /// Sends the whole blob in one PUT that also completes the session.
    public func uploadWhole(_ repository: String, location: String, digest: Digest, size: Int64, body: ByteChunks) async throws {
        var request = HTTPClientRequest(url: Self.adding(query: "digest=\(digest)", to: absoluteURL(location)))
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(body, length: .known(size))
        let response = try await sendAuthorized(request, scope: Self.pushScope(repository), timeout: Self.streamTimeout)
        try await Self.expectStatus(response, [.created], url: "PUT " + Self.withoutQuery(absoluteURL(location)))
    }

    /// Sends `length` bytes at `offset` (a PATCH with `Content-Range`); returns the next location.
    public func uploadChunk(_ repository: String, location: String, offset: Int64, length: Int64, body: ByteChunks) async throws -> String {
        var request = HTTPClientRequest(url: absoluteURL(location))
        request.method = .PATCH
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: "Content-Range", value: "\(offset)-\(offset + length - 1)")
        request.body = .stream(body, length: .known(length))
        let url = "PATCH " + Self.withoutQuery(absoluteURL(location))
        let response = try await sendAuthorized(request, scope: Self.pushScope(repository), timeout: Self.streamTimeout)
        try await Self.expectStatus(response, [.accepted, .noContent], url: url)
        return (try? Self.location(response, url: url)) ?? location
    }

    /// Bytes the session holds (its `Range: 0-N`), for resuming after a broken chunk. Registries
    /// answer `0-0` for an empty session too, so `acknowledged` (what an earlier answer confirmed)
    /// decides between 0 and 1.
    public func uploadOffset(_ repository: String, location: String, acknowledged: Int64) async throws -> Int64 {
        let response = try await send(.GET, location, scope: Self.pushScope(repository))
        let url = Self.withoutQuery(absoluteURL(location))
        try await Self.expectStatus(response, [.noContent, .ok], url: url)
        guard let range = response.headers.first(name: "Range"), let end = range.split(separator: "-").last.flatMap({ Int64($0) }) else { return 0 }
        return end == 0 && acknowledged == 0 ? 0 : end + 1
    }

    /// Completes a chunked session.
    public func finishUpload(_ repository: String, location: String, digest: Digest) async throws {
        let target = Self.adding(query: "digest=\(digest)", to: location)
        let response = try await send(.PUT, target, scope: Self.pushScope(repository), body: [])
        try await Self.expectStatus(response, [.created], url: "PUT " + Self.withoutQuery(absoluteURL(location)))
    }

    public func putManifest(_ repository: String, reference: String, bytes: [UInt8], mediaType: String) async throws {
        let path = "/v2/\(repository)/manifests/\(reference)"
        let response = try await send(.PUT, path, scope: Self.pushScope(repository), headers: ["Content-Type": mediaType], body: bytes)
        try await Self.expectStatus(response, [.created, .ok], url: "PUT " + endpoint + path)
    }

    /// Deletes a manifest (by digest) or a tag; returns false when the registry had none.
    @discardableResult
    public func deleteManifest(_ repository: String, reference: String) async throws -> Bool {
        let path = "/v2/\(repository)/manifests/\(reference)"
        let response = try await send(.DELETE, path, scope: "repository:\(repository):delete,pull,push")
        if response.status == .notFound { return false }
        try await Self.expectStatus(response, [.accepted, .ok], url: "DELETE " + endpoint + path)
        return true
    }

    /// Every repository `_catalog` lists, following its `Link` pages.
    public func catalog() async throws -> [String] {
        try await pagedNames(first: "/v2/_catalog?n=1000", scope: "registry:catalog:*", key: "repositories")
    }

    /// Every tag of `repository`; empty when the registry does not know it.
    public func tags(_ repository: String) async throws -> [String] {
        try await pagedNames(first: "/v2/\(repository)/tags/list?n=1000", scope: Self.pullScope(repository), key: "tags")
    }

    /// Digests of the manifests whose `subject` is `digest`: the referrers API, else the
    /// `sha256-<hex>` tag of the fallback schema (and cosign's `.sig`, `.att`, `.sbom` tags).
    public func referrers(_ repository: String, of digest: Digest) async throws -> [Digest] {
        let path = "/v2/\(repository)/referrers/\(digest)"
        let response = try await send(.GET, path, scope: Self.pullScope(repository), headers: ["Accept": MediaType.ociIndex])
        if response.status == .ok {
            let body = try await Self.collect(response.body, limit: Manifest.maximumSize, url: endpoint + path)
            struct Index: Decodable { struct Entry: Decodable { let digest: String }; let manifests: [Entry]? }
            let index = try? JSONDecoder().decode(Index.self, from: Data(body))
            return (index?.manifests ?? []).compactMap { try? Digest(parsing: $0.digest) }
        }
        _ = try? await response.body.collect(upTo: 64 << 10)
        var found: [Digest] = []
        for tag in Manifest.referrerFallbackTags(of: digest) {
            if let head = try await manifestHead(repository, reference: tag) { found.append(head.digest) }
        }
        return found
    }

    private func pagedNames(first: String, scope: String, key: String) async throws -> [String] {
        var next: String? = first
        var names: [String] = []
        var pages = 0
        while let path = next, pages < 10_000 {
            pages += 1
            let response = try await send(.GET, path, scope: scope)
            if response.status == .notFound && key == "tags" { return [] }
            try await Self.expectStatus(response, [.ok], url: endpoint + path)
            let body = try await Self.collect(response.body, limit: 16 << 20, url: endpoint + path)
            let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            names += (object?[key] as? [String]) ?? []
            next = response.headers.first(name: "Link").flatMap(Self.nextLink)
        }
        return names
    }

    /// The target of `<...>; rel="next"`.
    static func nextLink(_ header: String) -> String? {
        guard header.contains("rel=\"next\""), let open = header.firstIndex(of: "<"), let close = header.firstIndex(of: ">"), open < close else { return nil }
        return String(header[header.index(after: open)..<close])
    }

    static func location(_ response: HTTPClientResponse, url: String) throws -> String {
        guard let location = response.headers.first(name: "Location"), !location.isEmpty else {
            throw RemoteError.status(url: url, status: Int(response.status.code), message: "the answer names no upload location")
        }
        return location
    }

    static func adding(query: String, to location: String) -> String {
        location + (location.contains("?") ? "&" : "?") + query
    }

    /// Upload locations carry session state in their query; messages show only the path.
    static func withoutQuery(_ url: String) -> String {
        url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
    }

    static func expectStatus(_ response: HTTPClientResponse, _ accepted: [HTTPResponseStatus], url: String) async throws {
        guard accepted.contains(response.status) else {
            let message = errorMessage(try? await response.body.collect(upTo: 64 << 10))
            throw RemoteError.status(url: url, status: Int(response.status.code), message: message)
        }
    }
}
