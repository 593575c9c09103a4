import Foundation
import OCI

/// An image on disk resolved to its layers, ready for `ScanEngine`.
public struct ResolvedImage: Sendable {
    public var layers: [ImageLayer]
    public var context: ReportContext
}

/// The command line's image references: `oci:DIR:TAG`, `oci:DIR@sha256:...`, `docker-archive:FILE`.
public enum ImageReference: Sendable, Equatable {
    case ociLayout(directory: String, tag: String?, digest: String?)
    case dockerArchive(file: String)

    public init(parsing text: String) throws {
        if text.hasPrefix("docker-archive:") {
            var file = String(text.dropFirst("docker-archive:".count))
            // skopeo allows docker-archive:FILE:REF; the reference is ignored (first image is used)
            if !FileManager.default.fileExists(atPath: file), let colon = file.lastIndex(of: ":") { file = String(file[..<colon]) }
            guard !file.isEmpty else { throw ScanError.usage("docker-archive: needs a file path") }
            self = .dockerArchive(file: file)
        } else if text.hasPrefix("oci:") {
            let rest = String(text.dropFirst(4))
            if let at = rest.range(of: "@sha256:") ?? rest.range(of: "@sha512:") {
                self = .ociLayout(directory: String(rest[..<at.lowerBound]), tag: nil, digest: String(rest[rest.index(after: at.lowerBound)...]))
            } else if let colon = rest.lastIndex(of: ":"), !rest[rest.index(after: colon)...].contains("/") {
                self = .ociLayout(directory: String(rest[..<colon]), tag: String(rest[rest.index(after: colon)...]), digest: nil)
            } else {
                self = .ociLayout(directory: rest, tag: nil, digest: nil)
            }
        } else {
            throw ScanError.usage("image '\(text)' must be oci:DIR:TAG, oci:DIR@sha256:DIGEST or docker-archive:FILE")
        }
    }

    public func resolve() throws -> ResolvedImage {
        switch self {
        case .ociLayout(let directory, let tag, let digest):
            return try OCILayout(directory: URL(fileURLWithPath: directory)).resolve(tag: tag, digest: digest)
        case .dockerArchive(let file):
            return try DockerArchive(file: URL(fileURLWithPath: file)).resolve()
        }
    }
}

/// Builds the engine's layers from an image manifest and its config; `content` opens a layer blob.
public enum ImageLayers {
    public static func of(_ manifest: Manifest, config: [UInt8], content: (Digest) -> ByteStream) throws -> [ImageLayer] {
        let diffIDs = try ImageConfig.diffIDs(config)
        return try manifest.layers.enumerated().map { i, layer -> ImageLayer in
            let digest: Digest
            do { digest = try layer.validDigest() } catch let error as OCIFormatError { throw ScanError.badImage("layer \(i + 1): \(error.message)") }
            return ImageLayer(digest: digest, diffID: i < diffIDs.count ? diffIDs[i] : nil, mediaType: layer.mediaType, content: content(digest))
        }
    }
}

/// The part of an image config the scanner reads.
struct ImageConfig: Decodable {
    struct RootFS: Decodable { var diff_ids: [String]? }
    var rootfs: RootFS?

    static func diffIDs(_ bytes: [UInt8]) throws -> [Digest?] {
        let config: ImageConfig
        do { config = try JSONDecoder().decode(ImageConfig.self, from: Data(bytes)) } catch {
            throw ScanError.badImage("image config is not valid JSON")
        }
        return (config.rootfs?.diff_ids ?? []).map { try? Digest(parsing: $0) }
    }
}
