import Foundation
import Metadata

/// Harbor's GC parameters: `{"delete_untagged": true, "dry_run": false, "workers": 1}`.
public struct GarbageCollectionParameters: Codable, Sendable, Equatable {
    public var deleteUntagged: Bool
    public var dryRun: Bool
    /// Concurrent file deletions, 1 to 10.
    public var workers: Int

    public static let workerRange = 1...10

    public init(deleteUntagged: Bool = true, dryRun: Bool = false, workers: Int = 1) {
        self.deleteUntagged = deleteUntagged
        self.dryRun = dryRun
        self.workers = workers
    }

    enum CodingKeys: String, CodingKey {
        case deleteUntagged = "delete_untagged", dryRun = "dry_run", workers
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deleteUntagged = try container.decodeIfPresent(Bool.self, forKey: .deleteUntagged) ?? true
        dryRun = try container.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
        workers = try container.decodeIfPresent(Int.self, forKey: .workers) ?? 1
    }

    /// The reason these parameters are refused, if they are.
    public var violation: String? {
        Self.workerRange.contains(workers) ? nil : "workers must be between 1 and 10 (got \(workers))"
    }

    public var json: String { CanonicalJSON.string(self) }

    public static func decode(_ json: String) throws -> GarbageCollectionParameters {
        try JSONDecoder().decode(GarbageCollectionParameters.self, from: Data(json.utf8))
    }
}
