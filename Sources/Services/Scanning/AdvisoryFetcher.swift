import Foundation
import OCI
import RemoteRegistry

/// Brings advisory sources to local files the importer reads: downloads an HTTP file, or each
/// layer of an OCI artifact (blob digests checked), into a scratch directory. Nothing is held in
/// memory; a failed download leaves no partial file.
public struct AdvisoryFetcher: Sendable {
    /// The largest file accepted (osv.dev's `all.zip` of every ecosystem is well below it).
    public static let fileLimit: Int64 = 8 << 30
    /// Layer types read as OSV sources; others are refused by name.
    static let zipTypes: Set<String> = ["application/zip", "application/x-zip-compressed", "application/vnd.osv.all+zip"]

    let credentials: RemoteCredentials?

    public init(credentials: RemoteCredentials?) {
        self.credentials = credentials
    }

    /// The local files (or the path itself) to import for `location`.
    public func fetch(_ location: AdvisoryLocation, into directory: String, log: (String) -> Void = { _ in }) async throws -> [URL] {
        switch location {
        case .path(let path):
            return [URL(fileURLWithPath: path)]
        case .file(let url):
            let target = directory + "/download"
            let size = try await HTTPDownload.file(url, to: target, limit: Self.fileLimit, credentials: credentials)
            log("vulndb: downloaded \(size) bytes from \(url)")
            return [try Self.named(target, preferred: URL(string: url)?.lastPathComponent)]
        case .artifact(let endpoint, let repository, let reference):
            let client = RemoteRegistryClient(endpoint: endpoint, credentials: credentials)
            let fetched = try await client.manifest(repository, reference: reference)
            guard fetched.manifest.kind != .index else {
                throw RemoteError.unsupported("\(location) is an index; name the advisory artifact's manifest itself")
            }
            guard !fetched.manifest.layers.isEmpty else { throw RemoteError.unsupported("\(location) has no layers") }
            var files: [URL] = []
            for (index, layer) in fetched.manifest.layers.enumerated() {
                let digest = try layer.validDigest()
                let title = layer.annotations?["org.opencontainers.image.title"]
                guard Self.readable(layer.mediaType, title: title) else {
                    throw RemoteError.unsupported("layer \(digest) of \(location) has media type \(layer.mediaType): only OSV zip, JSON and YAML files are read")
                }
                let target = directory + "/layer-\(index)"
                let size = try await client.downloadBlob(repository, digest: digest, to: target, limit: min(Self.fileLimit, max(layer.size, 0)))
                log("vulndb: downloaded layer \(digest) (\(size) bytes) of \(location)")
                files.append(try Self.named(target, preferred: title))
            }
            log("vulndb: \(location) is \(fetched.digest)")
            return files
        }
    }

    static func readable(_ mediaType: String, title: String?) -> Bool {
        if zipTypes.contains(mediaType) || mediaType.hasSuffix("+json") || mediaType.hasSuffix("+yaml") || mediaType.hasSuffix("+zip")
            || ["application/json", "application/yaml", "text/yaml", "application/x-yaml"].contains(mediaType) { return true }
        // oras's default for a file pushed without a type
        if mediaType == "application/vnd.oci.image.layer.v1.tar", let title { return Self.kind(ofName: title) != nil }
        return false
    }

    static func kind(ofName name: String) -> String? {
        let ext = (name as NSString).pathExtension.lowercased()
        return ["zip", "json", "yaml", "yml"].contains(ext) ? ext : nil
    }

    /// Renames a downloaded file so the importer knows what it is: by the name it was published
    /// under when that says, else by its first bytes (a zip starts with `PK\u{3}\u{4}`).
    static func named(_ path: String, preferred: String?) throws -> URL {
        var ext = preferred.flatMap(kind(ofName:))
        if ext == nil {
            let handle = FileHandle(forReadingAtPath: path)
            let head = (try? handle?.read(upToCount: 4)) ?? nil
            try? handle?.close()
            ext = head.map(Array.init) == [0x50, 0x4B, 0x03, 0x04] ? "zip" : "json"
        }
        let target = path + "." + ext!
        try FileManager.default.moveItem(atPath: path, toPath: target)
        return URL(fileURLWithPath: target)
    }
}
