import Foundation
import OCI

/// A `docker save` tarball: `manifest.json` names the config and layer members. The archive is
/// indexed once (headers only, data skipped by seeking) and each layer is streamed from its offset.
struct DockerArchive {
    let file: URL

    private struct Entry: Decodable {
        var Config: String
        var RepoTags: [String]?
        var Layers: [String]
    }

    func resolve() throws -> ResolvedImage {
        let members = try TarIndex.members(of: file)
        func member(_ name: String) throws -> TarIndex.Member {
            guard let m = members[LayerPath.normalize(name) ?? name] else { throw ScanError.badImage("\(name) is missing from \(file.path)") }
            return m
        }
        let manifestBytes = try TarIndex.read(file, try member("manifest.json"), limit: 4 << 20)
        guard let entries = try? JSONDecoder().decode([Entry].self, from: Data(manifestBytes)), let entry = entries.first else {
            throw ScanError.badImage("manifest.json of \(file.path) is not a docker save manifest")
        }
        let diffIDs = try ImageConfig.diffIDs(TarIndex.read(file, try member(entry.Config), limit: 16 << 20))
        let layers = try entry.Layers.enumerated().map { i, name -> ImageLayer in
            let m = try member(name)
            let diffID = i < diffIDs.count ? diffIDs[i] : nil
            // newer docker writes blobs/sha256/<hex>: that is the blob digest
            var digest = diffID
            if name.hasPrefix("blobs/"), let d = try? Digest(parsing: name.dropFirst(6).replacingOccurrences(of: "/", with: ":")) { digest = d }
            return ImageLayer(digest: digest, diffID: diffID, mediaType: "application/vnd.docker.image.rootfs.diff.tar",
                              content: .file(file, offset: m.offset, length: m.size))
        }
        let tag = entry.RepoTags?.first
        let repository = tag.map { t in t.lastIndex(of: ":").map { String(t[..<$0]) } ?? t } ?? file.lastPathComponent
        let configDigest = entry.Config.hasPrefix("blobs/") ? entry.Config.dropFirst(6).replacingOccurrences(of: "/", with: ":")
            : "sha256:" + entry.Config.replacingOccurrences(of: ".json", with: "")
        return ResolvedImage(layers: layers, context: ReportContext(
            repository: repository, tag: tag.flatMap { t in t.lastIndex(of: ":").map { String(t[t.index(after: $0)...]) } },
            digest: configDigest, mimeType: MediaType.dockerManifest))
    }
}

/// Offsets of the members of a tar file on disk, found by reading headers and seeking past data.
enum TarIndex {
    struct Member { var offset: UInt64; var size: UInt64 }

    static func members(of file: URL, maxMembers: Int = 100_000) throws -> [String: Member] {
        guard let handle = try? FileHandle(forReadingFrom: file) else { throw ScanError.badImage("\(file.path) cannot be opened") }
        defer { try? handle.close() }
        var out: [String: Member] = [:]
        var offset: UInt64 = 0
        var longName: String?
        while out.count < maxMembers {
            try handle.seek(toOffset: offset)
            guard let data = try handle.read(upToCount: 512), data.count == 512 else { break }
            let h = [UInt8](data)
            if h.allSatisfy({ $0 == 0 }) { break }
            func field(_ o: Int, _ n: Int) -> String {
                let slice = h[o..<o + n]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let size = UInt64(field(124, 12).trimmingCharacters(in: .whitespaces), radix: 8) else {
                throw ScanError.badImage("\(file.path) is not a tar archive")
            }
            let dataOffset = offset + 512
            let type = h[156]
            if type == UInt8(ascii: "L") {
                try handle.seek(toOffset: dataOffset)
                let bytes = try handle.read(upToCount: Int(min(size, 65536))) ?? Data()
                longName = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            } else {
                var name = field(0, 100)
                let prefix = field(345, 155)
                if h[257..<263].elementsEqual([0x75, 0x73, 0x74, 0x61, 0x72, 0x00]), !prefix.isEmpty { name = prefix + "/" + name }
                if let n = longName { name = n; longName = nil }
                if type != UInt8(ascii: "x") && type != UInt8(ascii: "g"), let normalized = LayerPath.normalize(name) {
                    out[normalized] = Member(offset: dataOffset, size: size)
                }
            }
            offset = dataOffset + (size + 511) / 512 * 512
        }
        return out
    }

    static func read(_ file: URL, _ member: Member, limit: Int) throws -> [UInt8] {
        guard member.size <= UInt64(limit) else { throw ScanError.badImage("archive member is larger than \(limit) bytes") }
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        try handle.seek(toOffset: member.offset)
        return [UInt8](try handle.read(upToCount: Int(member.size)) ?? Data())
    }
}
