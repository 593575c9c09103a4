import Foundation
import Jobs
import Metadata
import OCI
import Services

/// `scan_overview` of artifacts (`with_scan_overview=true`): an image's own report; an index's
/// is the sum of the reports of the images a scan of it covers (`ScanRequester.images(of:)`), with
/// the status of them all. Two queries per page of artifacts plus a few per index.
struct ScanOverviewPresenter {
    let services: APIServices

    static let scanner = ScannerResp(name: BuiltinScanner.name, vendor: BuiltinScanner.vendor, version: BuiltinScanner.version)

    func overviews(_ records: [ArtifactRecord]) async throws -> [Int64: [String: NativeReportSummaryResp]] {
        var children: [Int64: [Int64]] = [:]
        for record in records where MediaType.indexTypes.contains(record.mediaType) {
            children[record.id] = try await services.scanRequester.images(of: record).map(\.id)
        }
        let reports = try await services.scanReports.reports(manifestIDs: records.map(\.id) + children.values.flatMap { $0 })
        var result: [Int64: [String: NativeReportSummaryResp]] = [:]
        for record in records {
            let own = children[record.id].map { $0.compactMap { reports[$0]?.first } } ?? (reports[record.id]?.first.map { [$0] } ?? [])
            if let summary = Self.summary(own) { result[record.id] = [BuiltinScanner.nativeReportType: summary] }
        }
        return result
    }

    /// One summary for one report or for an index's reports; nil when there is none.
    static func summary(_ reports: [ScanReportRecord]) -> NativeReportSummaryResp? {
        guard let first = reports.first else { return nil }
        let results = reports.compactMap(\.result)
        let parts = results.compactMap { try? JSONDecoder().decode(NativeReportSummaryResp.VulnerabilitySummaryResp.self, from: Data($0.summary.utf8)) }
        var counts: [String: Int] = [:]
        for part in parts { counts.merge(part.summary, uniquingKeysWith: +) }
        let status = TaskStatus.aggregate(reports.map { TaskStatus(rawValue: $0.status) ?? .pending })
        let worst = HarborSeverity.worst(results.map(\.severity))
        let starts = reports.compactMap(\.startTime)
        let ends = reports.compactMap(\.endTime)
        let start = starts.min()
        let end = status.isFinal ? ends.max() : nil
        return NativeReportSummaryResp(
            report_id: first.uuid, scan_status: status.rawValue, severity: worst ?? (results.isEmpty ? "Unknown" : "None"),
            duration: start.flatMap { s in end.map { ($0 - s) / 1000 } } ?? 0,
            summary: parts.isEmpty ? nil : .init(total: parts.reduce(0) { $0 + $1.total }, fixable: parts.reduce(0) { $0 + $1.fixable }, summary: counts),
            start_time: start.map(Timestamp.rfc3339(millis:)), end_time: end.map(Timestamp.rfc3339(millis:)),
            complete_percent: status.isFinal ? 100 : 0, scanner: scanner)
    }
}
