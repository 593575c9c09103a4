import Foundation
import OCI

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`), as skopeo and
/// umoci write it. Multi-platform indexes resolve to linux on the host architecture when present.
struct OCILayout {
    let directory: URL

    func blob(_ digest: Digest) -> URL {
        directory.appendingPathComponent("blobs").appendingPathComponent(digest.algorithm.rawValue).appendingPathComponent(digest.hex)
    }

    func read(_ digest: Digest, limit: Int = Manifest.maximumSize) throws -> [UInt8] {
        let url = blob(digest)
        let size = (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        guard size <= limit else { throw ScanError.badImage("blob \(digest) is larger than \(limit) bytes") }
        guard let data = try? Data(contentsOf: url) else { throw ScanError.badImage("blob \(digest) is missing from \(directory.path)") }
        return [UInt8](data)
    }

    func resolve(tag: String?, digest: String?) throws -> ResolvedImage {
        guard let indexData = try? Data(contentsOf: directory.appendingPathComponent("index.json")) else {
            throw ScanError.badImage("\(directory.path) is not an OCI layout (no index.json)")
        }
        let index: Manifest
        do { index = try Manifest(bytes: [UInt8](indexData), contentType: MediaType.ociIndex) } catch {
            throw ScanError.badImage("index.json: \(error.message)")
        }
        let chosen: Descriptor
        if let digest {
            guard let d = index.manifests.first(where: { $0.digest == digest }) else { throw ScanError.badImage("no manifest \(digest) in \(directory.path)") }
            chosen = d
        } else if let tag {
            guard let d = index.manifests.first(where: { $0.annotations?["org.opencontainers.image.ref.name"] == tag }) else {
                let tags = index.manifests.compactMap { $0.annotations?["org.opencontainers.image.ref.name"] }
                throw ScanError.badImage("no tag '\(tag)' in \(directory.path) (tags: \(tags.joined(separator: ", ")))")
            }
            chosen = d
        } else {
            guard index.manifests.count == 1 else { throw ScanError.usage("\(directory.path) holds several images: name one with :TAG or @DIGEST") }
            chosen = index.manifests[0]
        }
        let (manifestDigest, manifest) = try imageManifest(chosen, depth: 0)
        guard let config = manifest.config else { throw ScanError.badImage("manifest has no config") }
        let layers = try ImageLayers.of(manifest, config: read(try config.validDigest())) { .file(blob($0)) }
        let name = chosen.annotations?["org.opencontainers.image.ref.name"] ?? tag
        return ResolvedImage(layers: layers, context: ReportContext(repository: directory.lastPathComponent, tag: name,
                                                                    digest: manifestDigest.description, mimeType: manifest.mediaType))
    }

    private func imageManifest(_ descriptor: Descriptor, depth: Int) throws -> (Digest, Manifest) {
        let digest = try descriptor.validDigest()
        let manifest: Manifest
        do { manifest = try Manifest(bytes: read(digest), contentType: descriptor.mediaType) } catch let e as OCIFormatError {
            throw ScanError.badImage("manifest \(digest): \(e.message)")
        }
        if manifest.kind == .image { return (digest, manifest) }
        guard depth < 2, !manifest.manifests.isEmpty else { throw ScanError.badImage("index \(digest) holds no image manifest") }
        #if arch(arm64)
        let arch = "arm64"
        #else
        let arch = "amd64"
        #endif
        let pick = manifest.manifests.first { $0.platform?.os == "linux" && $0.platform?.architecture == arch } ?? manifest.manifests[0]
        return try imageManifest(pick, depth: depth + 1)
    }
}
