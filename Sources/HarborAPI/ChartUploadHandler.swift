import Access
import Foundation
import Hummingbird
import Metadata
import NIOCore
import OCI
import Scanner
import Yams

/// `POST /api/chartrepo/{project}/charts`: the classic chart repository's upload (what the
/// helm-push plugin sends: a `multipart/form-data` body whose `chart` part is the `.tgz`). The
/// package is stored as the OCI artifact `helm push` makes (config: `Chart.yaml` as JSON; layer:
/// the package byte for byte) in `{project}/{chart name}`, tagged with its version, so the index,
/// the downloads and the OCI clients all see the same one copy. A provenance part is not kept.
struct ChartUploadHandler {
    let services: APIServices

    /// Helm's packages are small; the body is read whole up to this (Harbor's chart server took 20 MiB).
    static let maximumBody = 20 * 1024 * 1024

    struct Saved: Encodable { let saved = true }

    func upload(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project"))
        try await services.require(context.identity, Permission(.repository, .push), in: project)
        guard project.registryID == nil else { throw APIError.forbidden("a proxy-cache project takes no uploads") }
        guard let boundary = Self.boundary(request.headers[.contentType]) else {
            throw APIError.badRequest("the upload must be multipart/form-data with a 'chart' file part")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maximumBody) } catch {
            throw APIError(.contentTooLarge, code: "BAD_REQUEST", "a chart upload is at most \(Self.maximumBody / 1024 / 1024) MiB")
        }
        guard let package = Self.part(named: "chart", in: Array(body.readableBytesView), boundary: boundary), !package.isEmpty else {
            throw APIError.badRequest("the upload has no 'chart' file part")
        }
        let metadata = try await Self.chartYAML(of: package)
        let name = metadata.name, version = metadata.version
        guard let repository = try? RepositoryName("\(project.name)/\(name)"), let tag = try? Tag(version.replacingOccurrences(of: "+", with: "_")) else {
            throw APIError.badRequest("chart name '\(name.prefix(100))' or version '\(version.prefix(100))' cannot name an OCI repository and tag")
        }
        let config = Array(try JSONSerialization.data(withJSONObject: metadata.json, options: [.sortedKeys]))
        if let excess = try await services.quotas.excess(projectID: project.id, adding: [(Digest.of(config), Int64(config.count)),
                                                                                          (Digest.of(package), Int64(package.count))]) {
            throw APIError(.forbidden, code: "DENIED", excess.message)
        }
        let storage = try services.requiredStorage()
        let configDigest = try await storage.store(config, in: repository, projectID: project.id)
        let contentDigest = try await storage.store(package, in: repository, projectID: project.id)
        let manifest = Array(try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": ["mediaType": ArtifactPresenter.helmConfig, "digest": configDigest.description, "size": config.count],
            "layers": [["mediaType": StoredChart.contentMediaType, "digest": contentDigest.description, "size": package.count]],
        ] as [String: Any], options: [.sortedKeys, .withoutEscapingSlashes]))
        let parsed = try Manifest(bytes: manifest, contentType: MediaType.ociManifest)
        let digest = Digest.of(manifest)
        try await services.immutableRules.refuseMoving([tag.value], to: digest.description, in: repository.value, projectID: project.id)
        let id = try await services.artifacts.put(
            ManifestRecord(digest: digest, mediaType: parsed.mediaType, artifactType: parsed.artifactType, payload: manifest,
                           subject: nil, annotations: nil, blobs: parsed.requiredBlobs, children: []),
            tag: tag, in: repository, projectID: project.id,
            announce: await services.outbox(OutboxEvent(type: OutboxEvent.pushed, projectID: project.id, repository: repository.value,
                                                        digest: digest.description, details: .init(tags: [tag.value], operatorName: context.identity.name))))
        await services.recordAudit(context.identity, "push", "artifact", "\(repository):\(tag)", projectID: project.id)
        await services.events?.manifestPushed(PushedManifest(manifestID: id, projectID: project.id, repository: repository, digest: digest,
                                                             tags: [tag.value], operatorName: context.identity.name))
        return try JSONResponse.ok(Saved(), status: .created)
    }

    /// `Chart.yaml` of a package: its `name` and `version` (required, as helm requires them) and
    /// every field, for the config blob.
    struct ChartYAML {
        let name: String
        let version: String
        let json: [String: Any]
    }

    static func chartYAML(of package: [UInt8]) async throws -> ChartYAML {
        let files: ArchiveFiles.Result
        do {
            files = try await ArchiveFiles.read(ByteStream(AsyncStream { continuation in
                continuation.yield(package)
                continuation.finish()
            }), wanted: { path in path.split(separator: "/").count == 2 && path.hasSuffix("/Chart.yaml") })
        } catch {
            throw APIError.badRequest("the chart is not a gzipped tar package: \(error)")
        }
        guard let bytes = files.files.sorted(by: { $0.key < $1.key }).first?.value else {
            throw APIError.badRequest("the package has no <chart>/Chart.yaml")
        }
        guard let loaded = try? Yams.load(yaml: String(decoding: bytes, as: UTF8.self)), let fields = loaded as? [String: Any] else {
            throw APIError.badRequest("Chart.yaml is not a YAML mapping")
        }
        guard let name = fields["name"] as? String, !name.isEmpty else { throw APIError.badRequest("Chart.yaml has no name") }
        guard let version = (fields["version"] as? String) ?? (fields["version"].map { "\($0)" }), !version.isEmpty else {
            throw APIError.badRequest("Chart.yaml has no version")
        }
        var json = fields.filter { JSONSerialization.isValidJSONObject([$0.value]) }
        json["version"] = version
        return ChartYAML(name: name, version: version, json: json)
    }

    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 200 ? nil : value
            }
        }
        return nil
    }

    /// The content of the form part named `name` (RFC 7578): between the part's blank line and the
    /// next delimiter.
    static func part(named name: String, in body: [UInt8], boundary: String) -> [UInt8]? {
        let delimiter = Array("--\(boundary)".utf8)
        var start = 0
        var bounds: [Int] = []
        while let found = index(of: delimiter, in: body, from: start) {
            bounds.append(found)
            start = found + delimiter.count
        }
        for (open, close) in zip(bounds, bounds.dropFirst()) {
            let part = Array(body[(open + delimiter.count)..<close])
            guard let headerEnd = index(of: Array("\r\n\r\n".utf8), in: part, from: 0) else { continue }
            let headers = String(decoding: part[..<headerEnd], as: UTF8.self).lowercased()
            guard headers.contains("content-disposition"), headers.contains("name=\"\(name)\"") else { continue }
            var content = Array(part[(headerEnd + 4)...])
            if content.suffix(2) == Array("\r\n".utf8) { content.removeLast(2) }
            return content
        }
        return nil
    }

    private static func index(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var position = start
        while position <= haystack.count - needle.count {
            guard let first = haystack[position...].firstIndex(of: needle[0]), first <= haystack.count - needle.count else { return nil }
            if haystack[first..<(first + needle.count)].elementsEqual(needle) { return first }
            position = first + 1
        }
        return nil
    }
}
