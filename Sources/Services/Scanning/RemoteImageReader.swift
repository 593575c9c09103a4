import Foundation
import Metadata
import OCI
import RemoteRegistry
import Scanner

/// The packages of an image in another registry, for scans asked through the Pluggable Scanner
/// API. Layers already inventoried (by any scan on any node; the cache is keyed by verified blob
/// digests) are not downloaded at all; each other layer is downloaded to a scratch file, its
/// digest checked before the scanner reads a byte, then streamed from there and removed.
struct RemoteImageReader: Sendable {
    let client: RemoteRegistryClient
    let layers: LayerInventoryStore
    let limits: ScanLimits
    /// The largest layer downloaded (the manifest's own size is the limit below it).
    static let layerLimit: Int64 = 32 << 30

    func inventory(of repository: RepositoryName, manifest: Manifest, scratch: String,
                   log: @escaping @Sendable (String) -> Void) async throws -> ImageInventory {
        guard let config = manifest.config, let configDigest = try? config.validDigest() else {
            throw ScanJobError("the manifest names no image config")
        }
        let configPath = scratch + "/config"
        try await client.downloadBlob(repository, digest: configDigest, to: configPath, limit: Int64(Manifest.maximumSize))
        let configBytes = Array(try Data(contentsOf: URL(fileURLWithPath: configPath)))
        var sizes: [Digest: Int64] = [:]
        for layer in manifest.layers { if let digest = try? layer.validDigest() { sizes[digest] = layer.size } }
        let imageLayers: [ImageLayer]
        do {
            imageLayers = try ImageLayers.of(manifest, config: configBytes) { digest in
                ByteStream(RemoteLayerChunks(client: client, repository: repository, digest: digest,
                                             limit: min(Self.layerLimit, max(sizes[digest] ?? 0, 0)), path: scratch + "/\(digest.hex)"))
            }
        } catch let error as ScanError {
            throw ScanJobError("\(error)")
        }
        return try await ImageInventoryReader.completeInventory(of: imageLayers, layers: layers, limits: limits, log: log)
    }
}

/// A remote layer as the scanner's byte chunks: downloaded whole (digest checked) at the first
/// read, then read from the file in 1 MiB pieces; the file is removed at the end.
struct RemoteLayerChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let client: RemoteRegistryClient
    let repository: RepositoryName
    let digest: Digest
    let limit: Int64
    let path: String

    struct Iterator: AsyncIteratorProtocol {
        let source: RemoteLayerChunks
        var handle: FileHandle?
        var finished = false

        mutating func next() async throws -> [UInt8]? {
            guard !finished else { return nil }
            if handle == nil {
                try await source.client.downloadBlob(source.repository, digest: source.digest, to: source.path, limit: source.limit)
                guard let opened = FileHandle(forReadingAtPath: source.path) else {
                    throw ScanJobError("the downloaded layer \(source.digest) cannot be read")
                }
                handle = opened
            }
            let chunk = try handle?.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty {
                finished = true
                try? handle?.close()
                try? FileManager.default.removeItem(atPath: source.path)
                return nil
            }
            return Array(chunk)
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(source: self) }
}
