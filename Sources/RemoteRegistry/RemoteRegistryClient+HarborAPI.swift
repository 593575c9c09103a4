import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The little of Harbor's `/api/v2.0` replication needs from a Harbor (or another Berth):
/// projects and repositories for discovery, and creating a project before pushing into it.
/// The API takes the endpoint's credentials as Basic, not the registry's token.
extension RemoteRegistryClient {
    /// Every repository name (`project/repo`) of every project the credentials can see.
    public func harborRepositories() async throws -> [String] {
        var names: [String] = []
        for project in try await harborPaged("/api/v2.0/projects", key: "name") {
            names += try await harborPaged("/api/v2.0/projects/\(Self.pathEscaped(project))/repositories", key: "name")
        }
        return names
    }

    /// Creates the project (private) unless it exists. A 409 means another task just made it.
    public func harborEnsureProject(_ name: String) async throws {
        let head = try await harborRequest(.HEAD, "/api/v2.0/projects?project_name=\(Self.pathEscaped(name))")
        if head.status == .ok { return }
        let body = #"{"project_name":"\#(name)","metadata":{"public":"false"}}"#
        let response = try await harborRequest(.POST, "/api/v2.0/projects", body: Array(body.utf8))
        if response.status == .conflict { return }
        try await Self.expectStatus(response, [.created, .ok], url: "POST " + endpoint + "/api/v2.0/projects")
    }

    private func harborPaged(_ path: String, key: String) async throws -> [String] {
        var names: [String] = []
        var page = 1
        while page < 10_000 {
            let url = path + (path.contains("?") ? "&" : "?") + "page=\(page)&page_size=100"
            let response = try await harborRequest(.GET, url)
            try await Self.expectStatus(response, [.ok], url: endpoint + url)
            let body = try await Self.collect(response.body, limit: 16 << 20, url: endpoint + url)
            let items = (try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]]) ?? []
            names += items.compactMap { $0[key] as? String }
            guard items.count == 100 else { break }
            page += 1
        }
        return names
    }

    private func harborRequest(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = method
        if let credentials { request.headers.add(name: "Authorization", value: credentials.authorization) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await Self.execute(request, http: http, timeout: Self.requestTimeout)
        if response.status == .unauthorized || response.status == .forbidden {
            let message = Self.errorMessage(try? await response.body.collect(upTo: 64 << 10))
            throw RemoteError.unauthorized(url: endpoint + path, reason: (credentials.map { "refused for \($0)" } ?? "no credentials configured")
                                           + (message.isEmpty ? "" : ": \(message)"))
        }
        return response
    }

    static func pathEscaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }
}
