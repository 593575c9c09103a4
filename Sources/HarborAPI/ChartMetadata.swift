import Foundation
import Metadata
import NIOConcurrencyHelpers
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
    static let capacity = 100_000

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
