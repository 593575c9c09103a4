import ArgumentParser
import Foundation
import Services

/// `berth vulndb import PATH...`: loads OSV advisories into the metadata database the server
/// uses, then re-matches every stored inventory against them (no layer is read again).
struct VulnDBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vulndb", abstract: "Manage the advisory database the scanner matches against.",
        subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Load OSV advisories (directories of JSON/YAML, all.zip files, Alpine secdb) into the database.")

        @OptionGroup var server: ServerOptions

        @Argument(help: "OSV directories, all.zip files or secdb files.")
        var paths: [String]

        func validate() throws {
            guard !paths.isEmpty else { throw ValidationError("name at least one directory or file to import") }
        }

        func run() async throws {
            let terminal = isatty(STDERR_FILENO) == 1
            let progress: (String) -> Void = { line in
                if terminal {
                    FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
                } else {
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            }
            try await server.withServer { server in
                let summary = try await AdvisoryImporter(database: server.database)
                    .importSources(paths.map { URL(fileURLWithPath: $0) }, log: progress)
                if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                for (ecosystem, count) in summary.byEcosystem.sorted(by: { $0.key < $1.key }) {
                    print("  \(ecosystem): \(count) advisories")
                }
                let c = summary.counts
                print(String(format: "imported in %.2f s: %d added, %d updated, %d removed, %d unchanged",
                             summary.seconds, c.added, c.updated, c.removed, c.unchanged))
                if !summary.warnings.isEmpty { print("\(summary.warnings.count) records skipped (see the warnings above)") }
                do {
                    // Always, not only after a change: an earlier import may have stopped before it.
                    let started = Date()
                    let outcome = try await ScanReevaluator(database: server.database).run()
                    print(String(format: "re-evaluated %d stored scan results in %.2f s: %d changed",
                                 outcome.evaluated, Date().timeIntervalSince(started), outcome.changed))
                }
            }
        }
    }
}
