import ArgumentParser
import Scanner

/// `berth scan`: option parsing only; the work is `ScanCommandRunner` in the Scanner module.
struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan an image for vulnerable packages, offline, and print a report.")

    @Option(name: .customLong("vulndb"), help: "OSV advisories: a directory (JSON/YAML, searched recursively) or an osv.dev all.zip. Repeatable.")
    var vulndb: [String] = []

    @Option(help: "Report format: harbor, cyclonedx or spdx.")
    var format: String = "harbor"

    @Option(name: .customLong("cache-dir"), help: "Directory for per-layer results, reused across scans.")
    var cacheDir: String?

    @Argument(help: "oci:DIR:TAG, oci:DIR@sha256:DIGEST or docker-archive:FILE")
    var image: String

    func run() async throws {
        let code = await ScanCommandRunner().run(.init(image: image, vulndb: vulndb, format: format, cacheDirectory: cacheDir))
        if code != 0 { throw ExitCode(code) }
    }
}
