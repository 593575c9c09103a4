import Access
import Foundation
import Hummingbird
import Metadata
import NIOCore
import OCI
import Scanner

/// `.../artifacts/{reference}/additions/{build_history|values.yaml|readme.md|dependencies}`:
/// what Harbor shows beside an image (its config's history) or a chart (read from the chart's
/// package and metadata). A missing or unreadable part is a 404 that says which.
struct AdditionHandlers {
    let services: APIServices

    /// Charts larger than this are not opened for additions.
    static let chartLimit: Int64 = 64 << 20

    func buildHistory(_ request: Request, context: some APIContext) async throws -> Response {
        let (artifact, manifest) = try await stored(context)
        guard let config = manifest.config, MediaType.imageConfigTypes.contains(config.mediaType),
              let digest = try? config.validDigest(),
              let bytes = try await services.requiredStorage().read(digest, limit: 4 << 20),
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw APIError.notFound("\(artifact.repositoryName)@\(artifact.digest) is not an image with a readable config: it has no build history")
        }
        let history = object["history"] as? [Any] ?? []
        let body = try JSONSerialization.data(withJSONObject: history, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func values(_ request: Request, context: some APIContext) async throws -> Response {
        try await chartFile(context, named: "values.yaml", contentType: "text/plain; charset=utf-8")
    }

    func readme(_ request: Request, context: some APIContext) async throws -> Response {
        try await chartFile(context, named: "readme.md", contentType: "text/markdown; charset=utf-8")
    }

    func dependencies(_ request: Request, context: some APIContext) async throws -> Response {
        let (artifact, manifest) = try await stored(context)
        let chart = try await chart(artifact, manifest)
        return try JSONResponse.ok(chart.metadata.dependencies ?? [])
    }

    // MARK: helpers

    /// A file at the top of the chart's package (`<chart>/values.yaml`; the README's name in any case).
    private func chartFile(_ context: some APIContext, named name: String, contentType: String) async throws -> Response {
        let (artifact, manifest) = try await stored(context)
        let chart = try await chart(artifact, manifest)
        guard let digest = try? chart.content.validDigest(), chart.content.size <= Self.chartLimit else {
            throw APIError.notFound("the chart package of \(artifact.digest) is too large to open for additions")
        }
        let storage = try services.requiredStorage()
        let size = chart.content.size
        let stream = ByteStream(StoredChunks(storage: storage, digest: digest, size: size))
        let top = chart.metadata.name + "/"
        let files: ArchiveFiles.Result
        do {
            files = try await ArchiveFiles.read(stream, wanted: { path in
                path.hasPrefix(top) && path.dropFirst(top.count).lowercased() == name
            })
        } catch {
            throw APIError.notFound("the chart package of \(artifact.digest) cannot be read: \(error)")
        }
        guard let (_, bytes) = files.files.first else {
            throw APIError.notFound("the chart \(chart.metadata.name) \(chart.metadata.version) has no \(name)")
        }
        return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func chart(_ artifact: ArtifactRecord, _ manifest: Manifest) async throws -> StoredChart {
        guard let chart = try await services.charts.charts([artifact], storage: services.requiredStorage()).first else {
            throw APIError.notFound("\(artifact.repositoryName)@\(artifact.digest) is not a Helm chart with readable metadata (Chart.yaml)")
        }
        return chart
    }

    private func stored(_ context: some APIContext) async throws -> (ArtifactRecord, Manifest) {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifactAddition, .read), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        guard let manifest = try? Manifest(bytes: artifact.payload, contentType: artifact.mediaType) else {
            throw APIError.notFound("artifact \(artifact.digest) has no readable manifest")
        }
        return (artifact, manifest)
    }

}
