import Access
import Foundation
import Hummingbird
import Metadata
import NIOCore
import Scanner

/// The classic Helm chart repository Harbor dropped in 2.8, served from the charts stored as OCI
/// artifacts (no second copy): `GET /chartrepo/{project}/index.yaml`, `/chartrepo/index.yaml`
/// (every project the caller can pull from) and `/chartrepo/{project}/charts/{name}-{version}.tgz`
/// (the chart layer, streamed). Basic auth as `helm repo add --username` sends it; anonymous for
/// public projects.
struct ChartRepositoryHandlers {
    let services: APIServices

    func projectIndex(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await readableProject(context)
        let stamps = try await services.artifacts.chartStamps(projectIDs: [project.id])
        let key = "p\(project.id):\(stamps[project.id].map { "\($0.count)/\($0.newest)" } ?? "-")"
        return try await cachedIndex(key) {
            let rows = try await services.artifacts.chartRows(projectIDs: [project.id])
            return ChartIndex(try await services.charts.charts(rows, artifacts: services.artifacts, storage: services.requiredStorage()), urlPrefix: "charts/", keyPrefix: "")
        }
    }

    /// Entries are keyed `project/chart`, with URLs relative to `/chartrepo/`: every project with
    /// charts that the caller may pull from.
    func globalIndex(_ request: Request, context: some APIContext) async throws -> Response {
        var visible: [Int64: String] = [:]
        let stamps = try await services.artifacts.chartStamps(projectIDs: nil)
        for projectID in stamps.keys.sorted() {
            guard let project = try await services.projects.find(id: projectID),
                  try await services.policy.can(context.identity, Permission(.repository, .pull), in: project) else { continue }
            visible[projectID] = project.name
        }
        let key = "g:" + visible.keys.sorted().map { id in "\(id)=\(visible[id]!):\(stamps[id]!.count)/\(stamps[id]!.newest)" }.joined(separator: ",")
        return try await cachedIndex(key) {
            let rows = try await services.artifacts.chartRows(projectIDs: visible.keys.sorted())
            var entries: [String: [ChartIndex.Entry]] = [:]
            for chart in try await services.charts.charts(rows, artifacts: services.artifacts, storage: services.requiredStorage()) {
                let project = visible[chart.record.projectID] ?? ""
                entries["\(project)/\(chart.metadata.name)", default: []].append(ChartIndex.Entry(chart, url: "\(project)/charts/\(chart.fileName)"))
            }
            return ChartIndex(entries: entries)
        }
    }

    /// The chart's `.tgz` layer, byte for byte as pushed.
    func download(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await readableProject(context)
        let file = try context.parameters.required("filename")
        guard file.hasSuffix(".tgz") else { throw APIError.notFound("chart packages end in .tgz") }
        let rows = try await services.artifacts.chartRows(projectIDs: [project.id])
        let charts = try await services.charts.charts(rows, artifacts: services.artifacts, storage: services.requiredStorage())
        guard let chart = charts.last(where: { $0.fileName == file }), let digest = try? chart.content.validDigest(),
              let (size, body) = try await services.requiredStorage().body(of: digest) else {
            throw APIError.notFound("chart \(file) not found in project \(project.name)")
        }
        return Response(status: .ok, headers: [.contentType: "application/x-tar", .contentLength: String(size)], body: body)
    }

    // MARK: helpers

    private func readableProject(_ context: some APIContext) async throws -> Project {
        let name = try context.parameters.required("project")
        guard let project = try await services.projects.find(name: name) else { throw APIError.notFound("project \(name) not found") }
        try await services.require(context.identity, Permission(.repository, .pull), in: project)
        return project
    }


    /// The rendered index for `key` (the charts' stamps), rendered again only when they change.
    private func cachedIndex(_ key: String, build: () async throws -> ChartIndex) async throws -> Response {
        let body: ByteBuffer
        if let known = services.chartIndexes.get(key) {
            body = known
        } else {
            body = ByteBuffer(string: try await build().yaml())
            services.chartIndexes.put(key, body)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-yaml", .contentLength: String(body.readableBytes)],
                        body: .init(byteBuffer: body))
    }
}

/// Helm's `index.yaml`.
struct ChartIndex {
    struct Entry {
        let name: String
        let version: String
        let apiVersion: String?
        let appVersion: String?
        let description: String?
        let type: String?
        let icon: String?
        let home: String?
        let keywords: [String]?
        let sources: [String]?
        let deprecated: Bool?
        let dependencies: [ChartMetadata.Dependency]?
        /// The package's sha256, hex, as `helm package` computes it.
        let digest: String
        let created: String
        let urls: [String]

        init(_ chart: StoredChart, url: String) {
            let metadata = chart.metadata
            name = metadata.name
            version = metadata.version
            apiVersion = metadata.apiVersion
            appVersion = metadata.appVersion
            description = metadata.description
            type = metadata.type
            icon = metadata.icon
            home = metadata.home
            keywords = metadata.keywords
            sources = metadata.sources
            deprecated = metadata.deprecated
            dependencies = metadata.dependencies
            digest = (try? chart.content.validDigest())?.hex ?? ""
            created = Timestamp.rfc3339(millis: chart.record.pushedAt)
            urls = [url]
        }
    }

    let apiVersion = "v1"
    let entries: [String: [Entry]]
    let generated: String

    init(entries: [String: [Entry]]) {
        // Highest version first within a chart (semantic versioning), as helm sorts its indexes.
        self.entries = entries.mapValues { $0.sorted { VersionScheme.semver.compare($0.version, $1.version) > 0 } }
        generated = Timestamp.rfc3339(millis: WallClock.nowMillis())
    }

    init(_ charts: [StoredChart], urlPrefix: String, keyPrefix: String) {
        var entries: [String: [Entry]] = [:]
        for chart in charts { entries[keyPrefix + chart.metadata.name, default: []].append(Entry(chart, url: urlPrefix + chart.fileName)) }
        self.init(entries: entries)
    }
}
