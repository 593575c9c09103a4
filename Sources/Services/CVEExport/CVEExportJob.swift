import BlobStore
import Foundation
import Jobs
import Metadata
import NIOCore
import Selectors

/// The parameters of a `SCAN_DATA_EXPORT` execution: one project, Harbor's doublestar filters
/// (empty matches everything; several values as `{a,b}`), and who asked (only they may download).
public struct CVEExportParameters: Codable, Sendable, Equatable {
    public var project_id: Int64
    public var repositories: String
    public var tags: String
    public var cve_ids: String
    public var job_name: String
    public var user_id: Int64
    public var user_name: String

    public init(projectID: Int64, repositories: String, tags: String, cveIDs: String, jobName: String, userID: Int64, userName: String) {
        project_id = projectID
        self.repositories = repositories
        self.tags = tags
        cve_ids = cveIDs
        job_name = jobName
        user_id = userID
        user_name = userName
    }

    /// Each filter compiles; thrown before anything is queued.
    public func validated() throws -> Self {
        _ = try CVEExportFilter(self)
        return self
    }
}

/// What a finished export reports with its task.
public struct CVEExportResult: Codable, Sendable {
    public var rows: Int
    public var status_message: String?
}

/// Harbor's `SCAN_DATA_EXPORT` job: a project's stored vulnerability rows, filtered, written as a
/// CSV file in storage (`BlobStore.writeExport`) page by page, never held whole.
public struct CVEExportJob: JobKind {
    public static let jobType = "SCAN_DATA_EXPORT"
    public var jobType: String { Self.jobType }
    /// An export is cheap to ask for again; a failed one is not retried behind the user's back.
    public var maxAttempts: Int { 1 }
    static let pageSize = 2_000
    public static let columns = ["Repository", "Artifact Digest", "CVE", "Package", "Current Version", "Fixed in version",
                                 "Severity", "CWE Ids", "Additional Data", "Scanner"]
    public static let nothingMatched = "No vulnerabilities found or matched"

    let hub: SecurityHubStore
    let artifacts: ArtifactStore
    let blobs: BlobStore

    public init(database: MetadataDatabase, blobs: BlobStore) {
        hub = SecurityHubStore(database: database)
        artifacts = ArtifactStore(database: database)
        self.blobs = blobs
    }

    public func run(_ context: JobContext) async throws {
        let parameters = try JSONDecoder().decode(CVEExportParameters.self, from: Data(context.parameters.utf8))
        let filter = try CVEExportFilter(parameters)
        var rows = 0
        try await blobs.writeExport(context.task.executionID) { write in
            try await write([ByteBuffer(string: CSV.line(Self.columns))])
            var offset = 0
            while true {
                try Task.checkCancellation()
                let page = try await hub.projectVulnerabilities(projectID: parameters.project_id, page: OffsetRequest(offset: offset, limit: Self.pageSize))
                guard !page.isEmpty else { break }
                offset += page.count
                let tags = filter.tags == nil ? [:] : try await artifacts.tags(ofArtifacts: Array(Set(page.map(\.manifestID))))
                var text = ""
                for listed in page where filter.accepts(listed, tags: (tags[listed.manifestID] ?? []).map(\.name)) {
                    let v = listed.vulnerability
                    text += CSV.line([listed.repository, listed.digest, v.cveID, v.package, v.version, v.fixedVersion, v.severity,
                                      v.cweIDs.joined(separator: ","), v.vendorAttributes,
                                      listed.scannerName.isEmpty ? BuiltinScanner.name : listed.scannerName])
                    rows += 1
                }
                if !text.isEmpty { try await write([ByteBuffer(string: text)]) }
            }
        }
        if rows == 0 { try? await blobs.deleteExport(context.task.executionID) }
        context.report(CanonicalJSON.string(CVEExportResult(rows: rows, status_message: rows == 0 ? Self.nothingMatched : nil)))
        context.log("exported \(rows) vulnerable packages of project \(parameters.project_id)")
    }
}

/// Harbor's export filters: the repository pattern is matched against the name without its
/// project, the tag pattern against any tag of a tagged artifact (untagged ones are kept, as in
/// Harbor), the CVE pattern against each row's id.
struct CVEExportFilter {
    let repositories: DoublestarPattern?
    let tags: DoublestarPattern?
    let cveIDs: DoublestarPattern?

    init(_ parameters: CVEExportParameters) throws {
        func pattern(_ text: String, _ name: String) throws -> DoublestarPattern? {
            guard !text.isEmpty else { return nil }
            do { return try DoublestarPattern(text) } catch { throw CVEExportError("\(name) is not a valid pattern: \(error)") }
        }
        repositories = try pattern(parameters.repositories, "repositories")
        tags = try pattern(parameters.tags, "tags")
        cveIDs = try pattern(parameters.cve_ids, "cveIds")
    }

    func accepts(_ listed: ListedVulnerability, tags artifactTags: [String]) -> Bool {
        if let repositories {
            let name = listed.repository.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init) ?? listed.repository
            guard repositories.matches(name) else { return false }
        }
        if let tags, !artifactTags.isEmpty, !artifactTags.contains(where: tags.matches) { return false }
        if let cveIDs, !cveIDs.matches(listed.vulnerability.cveID) { return false }
        return true
    }
}

public struct CVEExportError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// RFC 4180 lines, with cells a spreadsheet would run as formulas defused (a leading `'`).
enum CSV {
    static func line(_ cells: [String]) -> String {
        cells.map(cell).joined(separator: ",") + "\r\n"
    }

    static func cell(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
