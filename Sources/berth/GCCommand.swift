import ArgumentParser
import Foundation
import Services

/// `berth gc`: the garbage collection job of the server, run here and now (it is recorded in the
/// GC history like any other run, and a server running beside it keeps serving).
struct GC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Delete unreferenced blobs (and, if asked, untagged artifacts) now.")

    @OptionGroup var server: ServerOptions

    @Flag(name: .customLong("dry-run"), help: "Report what would be deleted and freed; delete nothing.")
    var dryRun = false

    @Flag(name: .customLong("delete-untagged"), help: "Also delete artifacts that have no tag and that no index lists.")
    var deleteUntagged = false

    @Option(help: "Files deleted concurrently, 1 to 10.")
    var workers = 1

    func validate() throws {
        guard GarbageCollectionParameters.workerRange.contains(workers) else { throw ValidationError("--workers must be 1 to 10") }
    }

    func run() async throws {
        let parameters = GarbageCollectionParameters(deleteUntagged: deleteUntagged, dryRun: dryRun, workers: workers).json
        let run = try await server.withServer { server in
            try await JobRunNow.run(server, jobType: GarbageCollectionJob.jobType, parameters: parameters, label: "garbage collection")
        }
        try JobRunNow.requireSuccess(run.status, label: "garbage collection")
    }
}
