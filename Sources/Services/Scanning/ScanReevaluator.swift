import Foundation
import Metadata
import OCI
import Scanner

/// Re-matches every stored inventory against the advisory database after an import, reading no
/// layer: reports, overviews and the pull gate follow new advisories at once, and a
/// `SCANNING_COMPLETED` event is recorded for each artifact whose findings changed.
public struct ScanReevaluator: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var evaluated = 0
        public var changed = 0
        public init(evaluated: Int = 0, changed: Int = 0) {
            self.evaluated = evaluated
            self.changed = changed
        }
    }

    static let pageSize = 500
    let reports: ScanReportStore
    let advisories: AdvisoryStore
    let artifacts: ArtifactStore
    let events: ArtifactEventStore

    public init(database: MetadataDatabase) {
        reports = ScanReportStore(database: database)
        advisories = AdvisoryStore(database: database)
        artifacts = ArtifactStore(database: database)
        events = ArtifactEventStore(database: database)
    }

    public func run(log: (String) -> Void = { _ in }) async throws -> Outcome {
        let records = try await advisories.allRecords().compactMap { try? JSONDecoder().decode(OSVRecord.self, from: Data($0.utf8)) }
        let matcher = VulnerabilityMatcher(database: OSVDatabase(records: records))
        var outcome = Outcome()
        var after = ""
        while true {
            let page = try await reports.inventories(after: after, limit: Self.pageSize)
            var evaluated: [(stored: StoredInventory, inventory: ImageInventory, vulnerabilities: [Vulnerability])] = []
            for stored in page {
                guard let inventory = try? JSONDecoder().decode(ImageInventory.self, from: Data(stored.inventory.utf8)) else { continue }
                evaluated.append((stored, inventory, matcher.match(inventory)))
            }
            outcome.evaluated += evaluated.count
            let byID = Dictionary(uniqueKeysWithValues: try await artifacts.artifacts(ids: evaluated.map(\.stored.manifestID)).map { ($0.id, $0) })
            for item in evaluated {
                guard let record = byID[item.stored.manifestID] else { continue }
                let fields = try ScanResult.fields(inventory: item.inventory, vulnerabilities: item.vulnerabilities, artifact: record)
                guard fields.contentHash != item.stored.contentHash else { continue }
                guard try await reports.saveResult(item.stored.uuid, fields) else { continue }
                try await events.record("SCANNING_COMPLETED", projectID: record.projectID, repository: record.repositoryName.value,
                                        digest: record.digest.description, payload: fields.summary)
                outcome.changed += 1
            }
            guard let last = page.last, page.count == Self.pageSize else { break }
            after = last.uuid
        }
        log("re-evaluated \(outcome.evaluated) stored inventories against \(records.count) advisories: \(outcome.changed) changed")
        return outcome
    }
}
