import ArgumentParser
import BerthServer
import Foundation
import Jobs

/// Runs one system job in this process, now (`berth gc`, `berth scrub`): recorded in the job's
/// history like a run the server started, while a server running beside it keeps serving.
enum JobRunNow {
    /// Runs a `jobType` task with `parameters` and returns how it ended and the report it left.
    /// On a terminal each log line overwrites one progress line and the whole log is printed at
    /// the end; in a pipe every line is printed as it comes.
    static func run(_ server: BerthServer, jobType: String, parameters: String, label: String) async throws -> (status: TaskStatus?, result: String?) {
        let store = server.jobs.store
        let execution = try await store.enqueue(
            vendorType: jobType, trigger: .manual, parameters: parameters,
            tasks: [TaskSpec(jobType: jobType, parameters: parameters, maxAttempts: 1)])
        guard let task = try await store.tasks(ofExecution: execution).first else { return (nil, nil) }
        let terminal = isatty(STDERR_FILENO) == 1
        print("\(label) \(execution) (task \(task.id))")
        let status = try await server.jobs.run(taskID: task.id, workerID: "cli:\(getpid())") { line in
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
        return (status, try await store.task(task.id)?.result)
    }

    /// Fails the command when the job did not succeed.
    static func requireSuccess(_ status: TaskStatus?, label: String) throws {
        guard status == .success else {
            FileHandle.standardError.write(Data("berth: \(label) ended \(status?.rawValue ?? "before it started")\n".utf8))
            throw ExitCode.failure
        }
    }
}
