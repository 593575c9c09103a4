import ArgumentParser
import Foundation
import Jobs
import Metadata

/// `berth jobs`: the job history, and a task's log (followed until the task ends).
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "List job executions, or print (and follow) a task's log.",
        subcommands: [List.self, Log.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List executions, newest first.")

        @OptionGroup var server: ServerOptions

        @Option(help: "Only this job type, e.g. GARBAGE_COLLECTION.")
        var type: String?

        @Option(help: "How many executions to list.")
        var limit = 20

        func run() async throws {
            try await server.withServer { server in
                let store = server.jobs.store
                let page = try await store.executions(vendorType: type, page: OffsetRequest(offset: 0, limit: max(1, min(limit, 1000))))
                print(pad("EXECUTION", 10) + pad("TYPE", 22) + pad("TRIGGER", 10) + pad("STATUS", 9) + pad("STARTED", 21) + "TASKS")
                for execution in page.items {
                    let tasks = try await store.tasks(ofExecution: execution.id).map { "\($0.id):\($0.status.rawValue)" }
                    print(pad(String(execution.id), 10) + pad(execution.vendorType, 22) + pad(execution.trigger.rawValue, 10)
                          + pad(execution.status.rawValue, 9) + pad(time(execution.startTime), 21) + tasks.joined(separator: " "))
                }
                if page.total > Int64(page.items.count) { print("(\(page.total - Int64(page.items.count)) older not shown)") }
            }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a task's log; with --follow, until the task ends.")

        @OptionGroup var server: ServerOptions

        @Argument(help: "The task id (see `berth jobs list`).")
        var task: Int64

        @Flag(help: "Keep printing new lines until the task has ended.")
        var follow = false

        func run() async throws {
            try await server.withServer { server in
                let store = server.jobs.store
                var printed = 0
                while true {
                    guard let log = try await store.log(ofTask: task), let current = try await store.task(task) else {
                        throw ValidationError("no task \(task)")
                    }
                    // The log keeps its tail only; print whatever is new since the last look.
                    let text = Array(log.rendered)
                    if text.count > printed { print(String(text[printed...]), terminator: "") }
                    printed = text.count
                    if !follow || current.status.isFinal { break }
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

private func time(_ millis: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
}
