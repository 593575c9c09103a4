import Foundation
import Jobs
import Metadata
import RemoteRegistry

/// One advisory update, as `berth vulndb import` and the `VULNDB_UPDATE` job run it: fetch the
/// remote sources into a scratch directory, import everything (incrementally), then re-match the
/// stored inventories. The scratch directory is removed whatever happens.
public struct AdvisoryUpdate: Sendable {
    public struct Outcome: Sendable {
        public var summary: AdvisoryImporter.Summary
        public var reevaluation: ScanReevaluator.Outcome
        public var reevaluationSeconds: Double
    }

    let database: MetadataDatabase
    let fetcher: AdvisoryFetcher

    public init(database: MetadataDatabase, credentials: RemoteCredentials?) {
        self.database = database
        fetcher = AdvisoryFetcher(credentials: credentials)
    }

    public func run(_ locations: [AdvisoryLocation], log: @escaping (String) -> Void = { _ in }) async throws -> Outcome {
        let scratch = NSTemporaryDirectory() + "berth-vulndb-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var sources: [URL] = []
        for (index, location) in locations.enumerated() {
            let directory = scratch + "/\(index)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            sources += try await fetcher.fetch(location, into: directory, log: log)
        }
        let summary = try await AdvisoryImporter(database: database).importSources(sources, log: log)
        // Always, not only after a change: an earlier import may have stopped before it.
        let started = Date()
        let reevaluation = try await ScanReevaluator(database: database).run()
        return Outcome(summary: summary, reevaluation: reevaluation, reevaluationSeconds: Date().timeIntervalSince(started))
    }
}

extension AdvisoryUpdate.Outcome {
    /// The summary lines the command line prints and the job logs.
    public var lines: [String] {
        var lines = summary.byEcosystem.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value) advisories" }
        let c = summary.counts
        lines.append(String(format: "imported in %.2f s: %d added, %d updated, %d removed, %d unchanged",
                            summary.seconds, c.added, c.updated, c.removed, c.unchanged))
        if !summary.warnings.isEmpty { lines.append("\(summary.warnings.count) records skipped (see the warnings above)") }
        lines.append(String(format: "re-evaluated %d stored scan results in %.2f s: %d changed",
                            reevaluation.evaluated, reevaluationSeconds, reevaluation.changed))
        return lines
    }
}

/// The parameters of a `VULNDB_UPDATE` execution (`/system/vulndb`).
public struct AdvisoryUpdateParameters: Codable, Sendable, Equatable {
    public var url: String

    public init(url: String) { self.url = url }

    /// A remote location (a server-side path is the command line's, not the API's), or why not.
    public var violation: String? {
        do {
            guard try AdvisoryLocation(url).isRemote else {
                return "url must be an http(s)://, oci:// or oci+http:// location; local paths are imported with berth vulndb import"
            }
            return nil
        } catch {
            return "url: \(error)"
        }
    }

    public var json: String { CanonicalJSON.string(self) }
}

/// `VULNDB_UPDATE`: an advisory update from a URL, on demand or on a schedule
/// (`/system/vulndb/schedule`). Credentials come from the configuration (`vulndb.username`,
/// `vulndb.password`), never from the parameters, which the execution history shows.
public struct AdvisoryUpdateJob: JobKind {
    public static let jobType = "VULNDB_UPDATE"
    public var jobType: String { Self.jobType }
    /// One retry for a server that was briefly away; a wrong location fails again at once.
    public static let attempts = 2
    public var maxAttempts: Int { Self.attempts }

    let update: AdvisoryUpdate

    public init(database: MetadataDatabase, credentials: RemoteCredentials?) {
        update = AdvisoryUpdate(database: database, credentials: credentials)
    }

    public func run(_ context: JobContext) async throws {
        let parameters = try JSONDecoder().decode(AdvisoryUpdateParameters.self, from: Data(context.parameters.utf8))
        if let violation = parameters.violation { throw ScanJobError(violation) }
        let outcome = try await update.run([try AdvisoryLocation(parameters.url)], log: { context.log($0) })
        for line in outcome.lines { context.log(line) }
    }
}
