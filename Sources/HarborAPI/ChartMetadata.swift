import Foundation
import Metadata
import NIOConcurrencyHelpers
import NIOCore
import OCI

/// A chart version's metadata: Helm's OCI config blob, which is `Chart.yaml` as JSON.
struct ChartMetadata: Codable, Sendable {
    struct Dependency: Codable, Sendable {
        var name: String
        var version: String?
        var repository: String?
    }

    var name: String
    var version: String
    var apiVersion: String?
    var appVersion: String?
    var description: String?
    var type: String?
    var icon: String?
    var home: String?
    var keywords: [String]?
    var sources: [String]?
    var deprecated: Bool?
    var dependencies: [Dependency]?
}

/// What the chart repository needs of one stored chart version.
struct StoredChart: Sendable {
    let record: ArtifactRecord
    let metadata: ChartMetadata
    /// The `.tgz` layer: its digest is the index's `digest` and its bytes the download.
    let content: Descriptor

    static let contentMediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

    /// `name-version.tgz`, as helm names a package and the index's `urls` name it.
    var fileName: String { "\(metadata.name)-\(metadata.version).tgz" }
}

/// Chart metadata by config digest: content-addressed, so it never goes stale, and an index of
/// 1,000 versions is built without reading 1,000 blobs each time.
final class ChartMetadataCache: Sendable {
    private let entries = NIOLockedValueBox<[Digest: ChartMetadata]>([:])
    /// Stored chart versions by manifest id (a manifest row never changes; nil: not a usable chart).
    private let versions = NIOLockedValueBox<[Int64: StoredChart?]>([:])
    static let capacity = 100_000

    /// The chart versions of these rows: from the cache, reading the manifests of the others in
    /// one query. A re-rendered index after a push reads one manifest, not all of them.
    func charts(_ rows: [ChartRow], artifacts: ArtifactStore, storage: any APIStorage) async throws -> [StoredChart] {
        let missing = versions.withLockedValue { known in rows.map(\.manifestID).filter { known[$0] == nil } }
        if !missing.isEmpty {
            for start in stride(from: 0, to: missing.count, by: 500) {
                let records = try await artifacts.artifacts(ids: Array(missing[start..<min(start + 500, missing.count)]))
                let found = try await charts(records, storage: storage)
                let byID = Dictionary(uniqueKeysWithValues: found.map { ($0.record.id, $0) })
                versions.withLockedValue { known in
                    if known.count >= Self.capacity { known.removeAll(keepingCapacity: true) }
                    for record in records { known[record.id] = .some(byID[record.id]) }
                }
            }
        }
        return versions.withLockedValue { known in rows.compactMap { known[$0.manifestID] ?? nil } }
    }

    func metadata(_ config: Descriptor, storage: any APIStorage) async throws -> ChartMetadata? {
        guard let digest = try? config.validDigest() else { return nil }
        if let known = entries.withLockedValue({ $0[digest] }) { return known }
        guard let bytes = try await storage.read(digest, limit: 1 << 20),
              let decoded = try? JSONDecoder().decode(ChartMetadata.self, from: Data(bytes)) else { return nil }
        entries.withLockedValue { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[digest] = decoded
        }
        return decoded
    }

    /// The chart versions among `records`; artifacts whose config is not chart metadata are skipped.
    func charts(_ records: [ArtifactRecord], storage: any APIStorage) async throws -> [StoredChart] {
        var charts: [StoredChart] = []
        for record in records {
            guard let manifest = try? Manifest(bytes: record.payload, contentType: record.mediaType), let config = manifest.config,
                  let content = manifest.layers.first(where: { $0.mediaType == StoredChart.contentMediaType }),
                  let metadata = try await metadata(config, storage: storage) else { continue }
            charts.append(StoredChart(record: record, metadata: metadata, content: content))
        }
        return charts
    }
}

/// Rendered `index.yaml` bodies by the stamp of the charts they list (see `ChartStamp`): a
/// repository is rendered once per change, however often helm clients refresh it.
final class ChartIndexCache: Sendable {
    private let bodies = NIOLockedValueBox<[String: ByteBuffer]>([:])
    static let capacity = 256

    func get(_ key: String) -> ByteBuffer? { bodies.withLockedValue { $0[key] } }

    func put(_ key: String, _ body: ByteBuffer) {
        bodies.withLockedValue { bodies in
            if bodies.count >= Self.capacity { bodies.removeAll(keepingCapacity: true) }
            bodies[key] = body
        }
    }
}

extension ChartIndex {
    /// Helm's `index.yaml`, written directly: every string as a double-quoted scalar with JSON's
    /// escapes, which YAML reads the same way (a generic encoder took 200 ms for 1,000 versions).
    func yaml() -> String {
        var out = "apiVersion: v1\nentries:\n"
        out.reserveCapacity(300 * entries.values.reduce(0) { $0 + $1.count })
        for name in entries.keys.sorted() {
            out += "  " + Self.quoted(name) + ":\n"
            for entry in entries[name] ?? [] { entry.write(to: &out) }
        }
        out += "generated: " + Self.quoted(generated) + "\n"
        return out
    }

    static func quoted(_ text: String) -> String {
        // Almost every value needs no escape: check the bytes, and copy the string whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F || $0 >= 0x80 }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension ChartIndex.Entry {
    /// One version, as a list item under its chart's key.
    func write(to out: inout String) {
        var first = true
        /// `key:` opening the item's next field; `value` follows on the same line when given.
        func key(_ name: String, _ value: String? = nil) {
            out += (first ? "  - " : "    ") + name + ":" + (value.map { " " + $0 } ?? "") + "\n"
            first = false
        }
        func list(_ name: String, _ values: [String]?) {
            guard let values, !values.isEmpty else { return }
            key(name)
            for value in values { out += "    - " + ChartIndex.quoted(value) + "\n" }
        }
        if let apiVersion { key("apiVersion", ChartIndex.quoted(apiVersion)) }
        if let appVersion { key("appVersion", ChartIndex.quoted(appVersion)) }
        key("created", ChartIndex.quoted(created))
        if let dependencies, !dependencies.isEmpty {
            key("dependencies")
            for dependency in dependencies {
                out += "    - name: " + ChartIndex.quoted(dependency.name) + "\n"
                if let version = dependency.version { out += "      version: " + ChartIndex.quoted(version) + "\n" }
                if let repository = dependency.repository { out += "      repository: " + ChartIndex.quoted(repository) + "\n" }
            }
        }
        if let deprecated { key("deprecated", deprecated ? "true" : "false") }
        if let description { key("description", ChartIndex.quoted(description)) }
        key("digest", ChartIndex.quoted(digest))
        if let home { key("home", ChartIndex.quoted(home)) }
        if let icon { key("icon", ChartIndex.quoted(icon)) }
        list("keywords", keywords)
        key("name", ChartIndex.quoted(name))
        list("sources", sources)
        if let type { key("type", ChartIndex.quoted(type)) }
        list("urls", urls)
        key("version", ChartIndex.quoted(version))
    }
}
