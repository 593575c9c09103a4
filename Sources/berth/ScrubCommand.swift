import ArgumentParser
import Foundation
import Services

/// `berth scrub`: hashes every blob again and checks storage against the database (see
/// `Scrubber`). Exits 0 when nothing is damaged (with `--repair`: when no damaged manifest is
/// left), 1 when something is (stray files left by interrupted pushes are counted, not damage),
/// 2 when the scrub itself could not finish.
struct Scrub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrub",
        abstract: "Check every blob's bytes against its digest, and storage against the database.",
        discussion: """
            Reports corrupt blobs, blobs whose file is missing, files no row knows, manifests whose \
            content or blobs are damaged, and tags that point at nothing. With --repair, stray files \
            are handed to garbage collection, corrupt and missing blobs are taken out of service \
            (push them again to restore them; corrupt bytes are kept under quarantine/), and \
            dangling tags are removed. A running server can keep serving meanwhile.
            """)

    @OptionGroup var server: ServerOptions

    @Flag(help: "Fix what can be fixed (see above).")
    var repair = false

    @Option(help: "Blobs hashed at once, 1 to 16.")
    var workers = 2

    @Option(name: .customLong("rate-mib"), help: "Read at most this many MiB per second for hashing (0: no limit).")
    var rateMiB = 0

    func validate() throws {
        if let violation = ScrubParameters(repair: repair, workers: workers, rateMiB: rateMiB).violation {
            throw ValidationError(violation)
        }
    }

    func run() async throws {
        let parameters = ScrubParameters(repair: repair, workers: workers, rateMiB: rateMiB).json
        let run = try await server.withServer { server in
            try await JobRunNow.run(server, jobType: ScrubJob.jobType, parameters: parameters, label: "scrub")
        }
        do {
            try JobRunNow.requireSuccess(run.status, label: "scrub")
        } catch {
            throw ExitCode(2)
        }
        guard let report = try? JSONDecoder().decode(Scrubber.Report.self, from: Data((run.result ?? "").utf8)) else {
            FileHandle.standardError.write(Data("berth: the scrub left no report\n".utf8))
            throw ExitCode(2)
        }
        // Repairing clears all but manifests whose blobs were lost: they stay broken until pushed again.
        if (repair ? report.broken_manifests : report.problems) > 0 { throw ExitCode.failure }
    }
}
