import BlobStore
import Foundation
import Metadata
import OCI
import Scanner

/// The packages of one stored image: its config and layers streamed from the blob store in 1 MiB
/// ranges, layers already inventoried (by any node, for any image) taken from the database. What
/// both the vulnerability scan and SBOM generation start from.
struct ImageInventoryReader: Sendable {
    let blobs: BlobStore
    let layers: LayerInventoryStore
    let limits: ScanLimits

    /// Throws `ScanJobError` when a layer could not be read to the end: what it holds past that
    /// point is unknown, so no report may claim to describe the image.
    func inventory(of record: ArtifactRecord, log: @escaping @Sendable (String) -> Void) async throws -> ImageInventory {
        try await Self.completeInventory(of: try await imageLayers(of: record), layers: layers, limits: limits, log: log)
    }

    /// The engine's inventory of these layers, layer results shared through the database; throws
    /// unless every layer was read to the end. Stored images and images in other registries alike.
    static func completeInventory(of imageLayers: [ImageLayer], layers: LayerInventoryStore, limits: ScanLimits,
                                  log: @escaping @Sendable (String) -> Void) async throws -> ImageInventory {
        let engine = ScanEngine(limits: limits, cache: DatabaseLayerCache(store: layers), log: log)
        let inventory = try await engine.inventory(of: AsyncLayerSequence(imageLayers))
        try Task.checkCancellation()
        guard inventory.incompleteLayers.isEmpty else {
            throw ScanJobError("layers \(inventory.incompleteLayers.joined(separator: ", ")) could not be read to the end (see the warnings above); the image's packages are not known")
        }
        return inventory
    }

    private func imageLayers(of record: ArtifactRecord) async throws -> [ImageLayer] {
        let manifest: Manifest
        do { manifest = try Manifest(bytes: record.payload, contentType: record.mediaType) } catch {
            throw ScanJobError("the manifest cannot be read: \(error.message)")
        }
        guard let config = manifest.config, let configDigest = try? config.validDigest() else {
            throw ScanJobError("the manifest names no image config")
        }
        guard let size = try await blobs.size(of: configDigest) else {
            throw ScanJobError("the image config \(configDigest) is missing from storage")
        }
        guard size <= Int64(Manifest.maximumSize) else { throw ScanJobError("the image config is larger than \(Manifest.maximumSize) bytes") }
        var configBytes: [UInt8] = []
        try await blobs.read(configDigest, range: 0..<size) { configBytes.append(contentsOf: $0.readableBytesView) }
        do {
            return try ImageLayers.of(manifest, config: configBytes) { BlobByteStream.of($0, in: blobs) }
        } catch let error as ScanError {
            throw ScanJobError("\(error)")
        }
    }
}
