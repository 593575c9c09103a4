import Hummingbird
import OCI

/// What the API reads from storage: small blobs (image configs) whole, larger ones (an SBOM
/// document) and CVE export files streamed in the store's chunks; an export file is removed once
/// downloaded. A protocol so that the API does not depend on the storage layer.
public protocol APIStorage: Sendable {
    /// The blob's bytes; nil when it is absent or larger than `limit`.
    func read(_ digest: Digest, limit: Int64) async throws -> [UInt8]?
    func size(of digest: Digest) async throws -> Int64?
    func read(_ digest: Digest, range: Range<Int64>, consume: (ByteBuffer) async throws -> Void) async throws
    func exportSize(_ executionID: Int64) async throws -> Int64?
    func readExport(_ executionID: Int64, range: Range<Int64>, consume: (ByteBuffer) async throws -> Void) async throws
    func deleteExport(_ executionID: Int64) async throws
}

extension APIStorage {
    /// A response body streaming the blob, never holding it whole; nil when it is absent.
    func body(of digest: Digest) async throws -> (size: Int64, body: ResponseBody)? {
        guard let size = try await size(of: digest) else { return nil }
        let body = ResponseBody(contentLength: Int(size)) { writer in
            try await self.read(digest, range: 0..<size) { try await writer.write($0) }
            try await writer.finish(nil)
        }
        return (size, body)
    }
}
