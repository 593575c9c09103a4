import Foundation
import Synchronization

/// Runs a tool (tar, umoci, ldapadd, python3) for a test without blocking a thread of Swift's
/// cooperative pool.
///
/// Why not `Process.waitUntilExit()`: on Linux it spins a run loop on the calling thread until
/// Foundation notices the exit, and now and then it never does. On a 2-core machine the pool has
/// two threads, so two such waits stopped every test in the run (the PostgreSQL suite's "stall",
/// issue 14). Here the exit is reported by `terminationHandler`, set before the launch so a tool
/// that exits at once is not missed, and awaited; input and output go through files, so no pipe
/// can fill up and nothing is read on a pool thread.
public enum ChildProcess {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let errors: String
    }

    /// Runs `tool` (a path, or a name looked up in PATH) and returns what it wrote. It is not an
    /// error for the tool to fail: callers that need success use `check`.
    public static func run(_ tool: String, _ arguments: [String], input: Data = Data(),
                           currentDirectory: URL? = nil) async throws -> Result {
        let scratch = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let inputPath = scratch + "/stdin", outputPath = scratch + "/stdout", errorsPath = scratch + "/stderr"
        try input.write(to: URL(fileURLWithPath: inputPath))
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        FileManager.default.createFile(atPath: errorsPath, contents: nil)
        guard let stdin = FileHandle(forReadingAtPath: inputPath),
              let stdout = FileHandle(forWritingAtPath: outputPath),
              let stderr = FileHandle(forWritingAtPath: errorsPath)
        else { throw TestSupportError("cannot open the scratch files for \(tool)") }
        defer { try? stdin.close(); try? stdout.close(); try? stderr.close() }

        let process = Process()
        if tool.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
        }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exit = ExitSignal()
        process.terminationHandler = { _ in exit.signal() }
        try await launch(process)
        await exit.wait()
        return Result(status: process.terminationStatus,
                      output: String(decoding: try Data(contentsOf: URL(fileURLWithPath: outputPath)), as: UTF8.self),
                      errors: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errorsPath)), as: UTF8.self))
    }

    /// Starts `process`, one launch at a time in this test process: Foundation's `Process.run()`
    /// crashed in a memmove when tests launched tools at the same moment (seen once in a full
    /// run, 2026-12-07). Callers queue on an actor, so a waiting test suspends instead of holding
    /// one of the cooperative pool's two threads; the waits for the exits still overlap.
    public static func launch(_ process: Process) async throws {
        try await launcher.launch(process)
    }

    private static let launcher = Launcher()

    private actor Launcher {
        func launch(_ process: Process) throws { try process.run() }
    }

    /// Runs `tool` and returns its standard output; throws with its error output when it fails.
    @discardableResult
    public static func check(_ tool: String, _ arguments: [String], input: Data = Data(),
                             currentDirectory: URL? = nil) async throws -> String {
        let result = try await run(tool, arguments, input: input, currentDirectory: currentDirectory)
        guard result.status == 0 else {
            throw TestSupportError("\(tool) \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors)\(result.output)")
        }
        return result.output
    }
}

/// One exit, reported once, to one waiter, in whichever order the two arrive.
private final class ExitSignal: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Void, Never>?)
        case exited
    }

    private let state = Mutex(State.waiting(nil))

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .exited
            return continuation
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let exited = state.withLock { state -> Bool in
                guard case .waiting = state else { return true }
                state = .waiting(continuation)
                return false
            }
            if exited { continuation.resume() }
        }
    }
}
