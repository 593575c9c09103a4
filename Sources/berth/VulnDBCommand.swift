import ArgumentParser
import Foundation
import Services
import RemoteRegistry

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

        @Argument(help: "OSV directories, all.zip files, secdb files, http(s):// URLs of such files, or OCI artifacts holding them (oci://HOST/REPOSITORY:TAG, oci+http:// for a registry without TLS).")
        var paths: [String]

        func validate() throws {
            guard !paths.isEmpty else { throw ValidationError("name at least one directory, file or URL to import") }
            for path in paths {
                do { _ = try AdvisoryLocation(path) } catch { throw ValidationError("\(error)") }
            }
        }

        func run() async throws {
            let terminal = isatty(STDERR_FILENO) == 1
            let progress: @Sendable (String) -> Void = { line in
                if terminal {
                    FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
                } else {
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            }
            let locations = try paths.map(AdvisoryLocation.init)
            try await server.withServer { server in
                let outcome = try await AdvisoryUpdate(database: server.database, credentials: server.configuration.vulndbCredentials)
                    .run(locations, log: progress)
                if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                for line in outcome.lines { print(line) }
            }
        }
    }
}
