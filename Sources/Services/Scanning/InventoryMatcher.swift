import Foundation
import Metadata
import Scanner

/// Matches an inventory against the advisories in the database: only the records naming its
/// packages are fetched. Shared by scans of stored images and of images in other registries.
struct InventoryMatcher: Sendable {
    let advisories: AdvisoryStore

    /// Fails when no advisories are loaded: an empty database never reads as a clean image.
    func requireAdvisories() async throws {
        guard try await !advisories.isEmpty() else {
            throw ScanJobError("no advisories are loaded: import an advisory database with `berth vulndb import` first; a scan without one cannot tell a clean image from an unchecked one")
        }
    }

    func match(_ inventory: ImageInventory) async throws -> [Vulnerability] {
        let keys = Set(VulnerabilityMatcher.lookups(for: inventory).map { AdvisoryPackageKey(ecosystem: $0.ecosystem, name: $0.name) })
        let records = try await advisories.records(affecting: keys).compactMap {
            try? JSONDecoder().decode(OSVRecord.self, from: Data($0.utf8))
        }
        return VulnerabilityMatcher(database: OSVDatabase(records: records)).match(inventory)
    }
}
