import BlobStore
import NIOCore
import OCI
import Scanner

/// A stored blob as the scanner's `ByteStream`, read in ranges of `chunkSize` on demand: the
/// scanner pulls as fast as it decompresses, and at most one range is held in memory.
enum BlobByteStream {
    static let chunkSize: Int64 = 1 << 20

    static func of(_ digest: Digest, in blobs: BlobStore) -> ByteStream {
        ByteStream(Chunks(blobs: blobs, digest: digest))
    }

    struct Chunks: AsyncSequence, Sendable {
        typealias Element = [UInt8]
        let blobs: BlobStore
        let digest: Digest

        struct Iterator: AsyncIteratorProtocol {
            let blobs: BlobStore
            let digest: Digest
            var offset: Int64 = 0
            var size: Int64?

            mutating func next() async throws -> [UInt8]? {
                if size == nil {
                    guard let found = try await blobs.size(of: digest) else { throw BlobStoreError.blobUnknown(digest) }
                    size = found
                }
                guard let size, offset < size else { return nil }
                let end = Swift.min(size, offset + BlobByteStream.chunkSize)
                var bytes: [UInt8] = []
                bytes.reserveCapacity(Int(end - offset))
                try await blobs.read(digest, range: offset..<end) { buffer in
                    bytes.append(contentsOf: buffer.readableBytesView)
                }
                offset = end
                return bytes
            }
        }

        func makeAsyncIterator() -> Iterator { Iterator(blobs: blobs, digest: digest) }
    }
}
