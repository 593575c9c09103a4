import Foundation
import SQLiteNIO

/// RPM's SQLite database (`rpmdb.sqlite`, RHEL 9 / AlmaLinux 9 / Fedora 33+). SQLite needs a file,
/// so the database is written to a private temporary file, read, and removed.
struct RpmAnalyzer: FileAnalyzer {
    static let paths: Set<String> = ["var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite"]

    func wants(path: String, size: UInt64, executable: Bool) -> Bool { Self.paths.contains(path) }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("berth-rpmdb-\(UUID().uuidString).sqlite")
        try Data(content).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let blobs = try await Self.readBlobs(file)
        var finding = FileFinding()
        for blob in blobs {
            do {
                let header = try RpmHeader(blob)
                guard let name = header.string(.name), let version = header.string(.version) else { continue }
                // gpg-pubkey pseudo packages are keys, not software
                if name == "gpg-pubkey" { continue }
                let release = header.string(.release).map { "-" + $0 } ?? ""
                let epoch = header.ints(.epoch).first.map { "\($0):" } ?? ""
                let full = epoch + version + release
                finding.packages.append(Package(type: .rpm, name: name, version: full,
                                                sourceName: header.string(.sourceRPM).map(Self.sourceName) ?? name,
                                                sourceVersion: full, arch: header.string(.arch),
                                                licenses: header.string(.license).map { [$0] } ?? [], path: path))
                finding.ownedFiles.append(contentsOf: header.files)
            } catch {
                context.warn("\(path): skipped an unreadable rpm header (\(error))")
            }
        }
        return finding
    }

    /// `openssl-3.0.7-6.el9_2.src.rpm` -> `openssl`
    static func sourceName(_ srpm: String) -> String {
        var parts = srpm.split(separator: "-")
        guard parts.count >= 3 else { return srpm }
        parts.removeLast(2)
        return parts.joined(separator: "-")
    }

    static func readBlobs(_ file: URL) async throws -> [[UInt8]] {
        let connection = try await SQLiteConnection.open(storage: .file(path: file.path))
        do {
            let rows = try await connection.query("SELECT blob FROM Packages", [])
            try await connection.close()
            return rows.compactMap { row in
                guard var buffer = row.column("blob")?.blob else { return nil }
                return buffer.readBytes(length: buffer.readableBytes)
            }
        } catch {
            try? await connection.close()
            throw ScanError.corruptLayer("rpm database is not readable: \(error)")
        }
    }
}
