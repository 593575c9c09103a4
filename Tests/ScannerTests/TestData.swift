import BerthTestSupport
import Foundation

/// Locations of the shared real-data corpus and scratch space for tests.
enum TestData {
    static var shared: URL { SharedCorpus.root }
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
    static func run(_ tool: String, _ args: [String], cwd: URL? = nil) async throws -> String {
        try await ChildProcess.check(tool, args, currentDirectory: cwd)
    }

}
