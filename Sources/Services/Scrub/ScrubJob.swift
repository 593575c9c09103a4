import Jobs
import Metadata

/// The scrub as a job of the job system (`SCRUB`): from `/api/v2.0/system/scrub`, its schedule,
/// or `berth scrub`. Every step is safe to repeat, so a run whose worker died is run again.
public struct ScrubJob: JobKind {
    public static let jobType = "SCRUB"
    public var jobType: String { Self.jobType }
    public static let attempts = 2
    public var maxAttempts: Int { Self.attempts }

    let scrubber: Scrubber

    public init(scrubber: Scrubber) { self.scrubber = scrubber }

    public func run(_ context: JobContext) async throws {
        let parameters = try ScrubParameters.decode(context.parameters)
        let report = try await scrubber.run(parameters) { context.log($0) }
        context.report(CanonicalJSON.string(report))
    }
}
