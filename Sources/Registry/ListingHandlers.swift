import Foundation
import HTTPTypes
import Hummingbird
import Metadata
import NIOCore
import OCI

/// `GET /v2/_catalog`, `GET /v2/<name>/tags/list` and `GET /v2/<name>/referrers/<digest>`.
struct ListingHandlers {
    let backend: RegistryBackend
    /// Upper bound on `n`, so one request cannot ask for the whole table.
    static let maximumPageSize = 10_000
    static let defaultPageSize = 1_000

    func catalog(_ request: Request) async throws -> Response {
        let page = try Self.page(request)
        // Only callers with the system catalog permission get here (AuthorizationMiddleware).
        let names = page.limit == 0 ? [] : try await backend.repositories.catalog(page: page, projectIDs: nil)
        return try json(["repositories": names], next: names.count == page.limit ? names.last : nil,
                        path: "/v2/_catalog", limit: page.limit)
    }

    func tags(_ request: Request, repository: RepositoryName) async throws -> Response {
        let page = try Self.page(request)
        guard let tags = try await backend.artifacts.tags(in: repository, page: PageRequest(limit: max(page.limit, 0), after: page.after)) else {
            throw RegistryError(.nameUnknown, "repository \(repository) not found")
        }
        struct Body: Encodable { let name: String; let tags: [String] }
        return try json(Body(name: repository.value, tags: tags),
                        next: page.limit > 0 && tags.count == page.limit ? tags.last : nil,
                        path: "/v2/\(repository)/tags/list", limit: page.limit)
    }

    func referrers(_ request: Request, repository: RepositoryName, subject: Digest) async throws -> Response {
        let artifactType = request.uri.queryParameters["artifactType"].map(String.init)
        let referrers = try await backend.artifacts.referrers(of: subject, in: repository, artifactType: artifactType)
        let index = ReferrersIndex(manifests: referrers.map {
            Descriptor(mediaType: $0.mediaType, digest: $0.digest, size: $0.size,
                       annotations: $0.annotations, artifactType: $0.artifactType)
        })
        var response = try json(index, next: nil, path: "", limit: 0)
        response.headers[.contentType] = MediaType.ociIndex
        if artifactType != nil { response.headers[.ociFiltersApplied] = "artifactType" }
        return response
    }

    struct ReferrersIndex: Encodable {
        var schemaVersion = 2
        var mediaType = MediaType.ociIndex
        let manifests: [Descriptor]
    }

    static func page(_ request: Request) throws -> PageRequest {
        let query = request.uri.queryParameters
        var limit = defaultPageSize
        if let n = query["n"] {
            guard let value = Int(n), value >= 0 else {
                throw RegistryError(.unsupported, "n must be a non-negative integer", status: .badRequest)
            }
            limit = min(value, maximumPageSize)
        }
        return PageRequest(limit: limit, after: query["last"].map(String.init))
    }

    private func json(_ value: some Encodable, next last: String?, path: String, limit: Int) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(data.count)
        if let last {
            let escaped = last.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "+"])) ?? last
            headers[.link] = "<\(path)?n=\(limit)&last=\(escaped)>; rel=\"next\""
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
