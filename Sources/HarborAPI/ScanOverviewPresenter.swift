import Foundation
import Jobs
import Metadata
import OCI
import Services

/// `scan_overview` (`with_scan_overview=true`) and `sbom_overview` (`with_sbom_overview=true`) of
/// artifacts: an image's own report; an index's is the sum of the reports of the images a scan of
/// it covers (`ScanRequester.images(of:)`), with the status of them all. Two queries per page of
/// artifacts plus a few per index.
struct ScanOverviewPresenter {
    let services: APIServices

    static let scanner = ScannerResp(name: BuiltinScanner.name, vendor: BuiltinScanner.vendor, version: BuiltinScanner.version)

    /// The scanner that made a report: the built-in one, or the external adapter its report names.
    static func scanner(of report: ScanReportRecord) -> ScannerResp {
        guard report.registrationUUID != BuiltinScanner.uuid else { return scanner }
        struct Named: Decodable { let scanner: Scanner?; struct Scanner: Decodable { let name: String?; let vendor: String?; let version: String? } }
        let named = report.result.flatMap { try? JSONDecoder().decode(Named.self, from: Data($0.report.utf8)) }?.scanner
        return ScannerResp(name: named?.name ?? "", vendor: named?.vendor ?? "", version: named?.version ?? "")
    }

    func overviews(_ records: [ArtifactRecord]) async throws -> [Int64: [String: NativeReportSummaryResp]] {
        try await reports(of: records, kind: .vulnerability).compactMapValues { reports in
            Self.summary(reports).map { [BuiltinScanner.nativeReportType: $0] }
        }
    }

    func sbomOverviews(_ records: [ArtifactRecord]) async throws -> [Int64: SBOMOverviewResp] {
        try await reports(of: records, kind: .sbom).compactMapValues(Self.sbomSummary)
    }

    /// Each artifact's reports of one kind: its own, or its images' for an index.
    private func reports(of records: [ArtifactRecord], kind: ScanKind) async throws -> [Int64: [ScanReportRecord]] {
        var children: [Int64: [Int64]] = [:]
        for record in records where MediaType.indexTypes.contains(record.mediaType) {
            children[record.id] = try await services.scanRequester.images(of: record).map(\.id)
        }
        let reports = try await services.scanReports.reports(manifestIDs: records.map(\.id) + children.values.flatMap { $0 },
                                                             scanType: kind.rawValue)
        var result: [Int64: [ScanReportRecord]] = [:]
        for record in records {
            let own = children[record.id].map { $0.compactMap { reports[$0]?.first } } ?? (reports[record.id]?.first.map { [$0] } ?? [])
            if !own.isEmpty { result[record.id] = own }
        }
        return result
    }

    /// An image's SBOM generation, or an index's images' together (which name no one digest).
    static func sbomSummary(_ reports: [ScanReportRecord]) -> SBOMOverviewResp? {
        guard let first = reports.first else { return nil }
        let times = Times(reports)
        let digest = reports.count == 1 ? first.result.flatMap { SBOMReference(json: $0.report) }?.digest : nil
        return SBOMOverviewResp(start_time: times.start.map(Timestamp.rfc3339(millis:)), end_time: times.end.map(Timestamp.rfc3339(millis:)),
                                scan_status: times.status.rawValue, sbom_digest: digest, report_id: first.uuid,
                                duration: times.duration, scanner: scanner)
    }

    /// The status and times of one report or of several together.
    struct Times {
        let status: TaskStatus
        let start: Int64?
        let end: Int64?

        init(_ reports: [ScanReportRecord]) {
            status = TaskStatus.aggregate(reports.map { TaskStatus(rawValue: $0.status) ?? .pending })
            start = reports.compactMap(\.startTime).min()
            end = status.isFinal ? reports.compactMap(\.endTime).max() : nil
        }

        /// Whole seconds, as Harbor reports it.
        var duration: Int64 { start.flatMap { s in end.map { ($0 - s) / 1000 } } ?? 0 }
    }

    /// One summary for one report or for an index's reports; nil when there is none.
    static func summary(_ reports: [ScanReportRecord]) -> NativeReportSummaryResp? {
        guard let first = reports.first else { return nil }
        let results = reports.compactMap(\.result)
        let parts = results.compactMap { try? JSONDecoder().decode(NativeReportSummaryResp.VulnerabilitySummaryResp.self, from: Data($0.summary.utf8)) }
        var counts: [String: Int] = [:]
        for part in parts { counts.merge(part.summary, uniquingKeysWith: +) }
        let times = Times(reports)
        let worst = HarborSeverity.worst(results.map(\.severity))
        return NativeReportSummaryResp(
            report_id: first.uuid, scan_status: times.status.rawValue, severity: worst ?? (results.isEmpty ? "Unknown" : "None"),
            duration: times.duration,
            summary: parts.isEmpty ? nil : .init(total: parts.reduce(0) { $0 + $1.total }, fixable: parts.reduce(0) { $0 + $1.fixable }, summary: counts),
            start_time: times.start.map(Timestamp.rfc3339(millis:)), end_time: times.end.map(Timestamp.rfc3339(millis:)),
            complete_percent: times.status.isFinal ? 100 : 0, scanner: scanner(of: first))
    }
}
