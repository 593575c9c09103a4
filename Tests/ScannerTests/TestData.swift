import Foundation

/// Locations of the shared real-data corpus and scratch space for tests.
enum TestData {
    /// `BERTH_SHARED`, else `shared/` beside the package's repository (as CI lays it out), else /work/shared.
    static let shared: URL = {
        if let env = ProcessInfo.processInfo.environment["BERTH_SHARED"] { return URL(fileURLWithPath: env) }
        let beside = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: beside.appendingPathComponent("vulndb").path) { return beside }
        return URL(fileURLWithPath: "/work/shared")
    }()
    static var vulndb: URL { shared.appendingPathComponent("vulndb") }
    static var vectors: URL { vulndb.appendingPathComponent("version-vectors") }

    /// A fresh directory under the system temp dir; callers remove it when done.
    static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("berth-scan-tests-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a tool and returns its standard output; throws when it exits non-zero.
    @discardableResult
    static func run(_ tool: String, _ args: [String], cwd: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + args
        if let cwd { process.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailure(message: "\(tool) \(args.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    struct ToolFailure: Error, CustomStringConvertible { var message: String; var description: String { message } }
}
