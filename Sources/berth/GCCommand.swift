import ArgumentParser
import Foundation
import Jobs
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
        let status = try await server.withServer { server -> TaskStatus? in
            let store = server.jobs.store
            let execution = try await store.enqueue(
                vendorType: GarbageCollectionJob.jobType, trigger: .manual, parameters: parameters,
                tasks: [TaskSpec(jobType: GarbageCollectionJob.jobType, parameters: parameters, maxAttempts: 1)])
            guard let task = try await store.tasks(ofExecution: execution).first else { return nil }
            let terminal = isatty(STDERR_FILENO) == 1
            print("garbage collection \(execution) (task \(task.id))")
            let status = try await server.jobs.run(taskID: task.id, workerID: "cli:\(getpid())") { line in
                // On a terminal each step overwrites one progress line; in a pipe every line stays.
                if terminal {
                    FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
                } else {
                    print(line)
                }
            }
            if terminal, let log = try await store.log(ofTask: task.id) {
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                print(log.text, terminator: "")
            }
            return status
        }
        guard status == .success else {
            FileHandle.standardError.write(Data("berth: garbage collection ended \(status?.rawValue ?? "before it started")\n".utf8))
            throw ExitCode.failure
        }
    }
}
