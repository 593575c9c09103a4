import Foundation
import Metadata

/// A scrub's parameters: `{"repair": false, "workers": 2, "rate_mib": 0}`.
public struct ScrubParameters: Codable, Sendable, Equatable {
    /// Fix what can be fixed: stray files go to garbage collection, corrupt and missing blobs are
    /// taken out of service (so pushing them again stores them), dangling tags are removed.
    public var repair: Bool
    /// Blobs hashed at once, 1 to 16.
    public var workers: Int
    /// Bytes read per second for hashing, in MiB, over all workers; 0 reads as fast as the storage allows.
    public var rateMiB: Int

    public static let workerRange = 1...16

    public init(repair: Bool = false, workers: Int = 2, rateMiB: Int = 0) {
        self.repair = repair
        self.workers = workers
        self.rateMiB = rateMiB
    }

    enum CodingKeys: String, CodingKey {
        case repair, workers, rateMiB = "rate_mib"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        repair = try container.decodeIfPresent(Bool.self, forKey: .repair) ?? false
        workers = try container.decodeIfPresent(Int.self, forKey: .workers) ?? 2
        rateMiB = try container.decodeIfPresent(Int.self, forKey: .rateMiB) ?? 0
    }

    /// The reason these parameters are refused, if they are.
    public var violation: String? {
        if !Self.workerRange.contains(workers) { return "workers must be between 1 and 16 (got \(workers))" }
        if rateMiB < 0 || rateMiB > 1_000_000 { return "rate_mib must be between 0 (no limit) and 1000000 (got \(rateMiB))" }
        return nil
    }

    public var json: String { CanonicalJSON.string(self) }

    public static func decode(_ json: String) throws -> ScrubParameters {
        try JSONDecoder().decode(ScrubParameters.self, from: Data(json.utf8))
    }
}
