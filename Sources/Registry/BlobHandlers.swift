import Foundation
import BlobStore
import HTTPTypes
import Hummingbird
import Metadata
import OCI

/// `HEAD|GET|DELETE /v2/<name>/blobs/<digest>`
struct BlobHandlers {
    let backend: RegistryBackend

    func get(_ request: Request, context: some RegistryContext, repository: RepositoryName, digest: Digest) async throws -> Response {
        var linked = try await backend.blobReferences.linkedSize(digest, in: repository, renew: request.method == .head)
        if linked == nil, let project = context.registry.project, project.registryID != nil, let proxy = backend.pullThrough {
            if let upstream = try await proxy.blob(repository, digest: digest, project: project, head: request.method == .head) {
                return Self.proxied(upstream, digest: digest, head: request.method == .head)
            }
            linked = try await backend.blobReferences.linkedSize(digest, in: repository)
        }
        guard let size = linked else {
            throw RegistryError(.blobUnknown, "blob \(digest) is unknown to repository \(repository)")
        }
        var headers = HTTPFields()
        headers[.dockerContentDigest] = digest.description
        // With `storage.s3.redirect`, the client fetches the bytes from the bucket (a presigned URL;
        // it sends its Range there), as distribution's `redirect` does.
        if request.method == .get, let url = try await backend.blobs.redirectURL(for: digest) {
            headers[.location] = url
            return Response(status: .temporaryRedirect, headers: headers, body: .init())
        }
        headers[.contentType] = "application/octet-stream"
        headers[.acceptRanges] = "bytes"
        headers[.eTag] = "\"\(digest)\""
        headers[.cacheControl] = "max-age=31536000"

        var range: Range<Int64> = 0..<size
        var status = HTTPResponse.Status.ok
        if let rangeHeader = request.headers[.range] {
            guard let requested = ByteRange(header: rangeHeader, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                throw RegistryError(.rangeInvalid, "range \(rangeHeader.prefix(100)) cannot be satisfied for \(size) bytes",
                                    status: .rangeNotSatisfiable, headers: headers)
            }
            range = requested.range
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"
        }
        headers[.contentLength] = String(range.count)
        if request.method == .head || range.isEmpty {
            return Response(status: status, headers: headers, body: .init())
        }
        let blobs = backend.blobs
        let handoff = backend.fileHandoff.flatMap { handoff in
            handoff.canSend(capabilityHeader: request.headers[HTTPField.Name(FileRegionHandoff.capabilityHeader)!]) ? handoff : nil
        }
        let bytes = range
        let body = ResponseBody(contentLength: range.count) { writer in
            // The file is opened only once the body is wanted, so a response never sent holds none.
            if let handoff, let file = try await blobs.openForSending(digest) {
                let marker = handoff.marker(for: file, range: bytes)
                do {
                    try await writer.write(marker)
                } catch {
                    handoff.abandon(marker)
                    throw error
                }
            } else {
                try await blobs.read(digest, range: bytes) { buffer in try await writer.write(buffer) }
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// A blob on its way from a proxy project's upstream: streamed as it arrives (no range, the
    /// whole blob), kept only when the client took all of it.
    static func proxied(_ blob: ProxiedBlob, digest: Digest, head: Bool) -> Response {
        var headers = HTTPFields()
        headers[.dockerContentDigest] = digest.description
        headers[.contentType] = "application/octet-stream"
        headers[.eTag] = "\"\(digest)\""
        if let size = blob.size { headers[.contentLength] = String(size) }
        if head { return Response(status: .ok, headers: headers, body: .init()) }
        let body = ResponseBody { writer in
            do {
                while let buffer = try await blob.next() { try await writer.write(buffer) }
                try await writer.finish(nil)
            } catch {
                await blob.finished(false)
                throw error
            }
            await blob.finished(true)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Unlinks the blob from this repository; the bytes go when garbage collection finds no reference.
    func delete(repository: RepositoryName, digest: Digest) async throws -> Response {
        guard try await backend.blobReferences.unlink(digest, from: repository) else {
            throw RegistryError(.blobUnknown, "blob \(digest) is unknown to repository \(repository)")
        }
        var headers = HTTPFields()
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        return Response(status: .accepted, headers: headers)
    }
}

/// A single-range `Range: bytes=...` request resolved against a blob size.
struct ByteRange: Equatable {
    let range: Range<Int64>

    /// nil when the header is malformed or unsatisfiable (answered with 416).
    init?(header: String, size: Int64) {
        guard header.hasPrefix("bytes=") else { return nil }
        let spec = String(header.dropFirst(6).trimmingSpacesAndTabs)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let startText = spec[..<dash], endText = spec[spec.index(after: dash)...]
        if startText.isEmpty {
            guard let suffix = Int64(endText), suffix > 0, size > 0 else { return nil }
            range = max(0, size - suffix)..<size
            return
        }
        guard let start = Int64(startText), start >= 0, start < size else { return nil }
        if endText.isEmpty {
            range = start..<size
        } else {
            guard let end = Int64(endText), end >= start else { return nil }
            range = start..<(end >= size - 1 ? size : end + 1)
        }
    }
}
