import Foundation

/// npm packages: the `package.json` at the top of each `node_modules/<name>` or
/// `node_modules/@scope/<name>` directory (nested package.json files of a package are not packages).
struct NodeAnalyzer: FileAnalyzer {
    func wants(path: String, size: UInt64, executable: Bool) -> Bool {
        guard path.hasSuffix("/package.json"), size < 4 << 20 else { return false }
        let parts = path.split(separator: "/")
        guard parts.count >= 3 else { return false }
        if parts[parts.count - 3] == "node_modules" { return !parts[parts.count - 2].hasPrefix("@") }
        return parts.count >= 4 && parts[parts.count - 4] == "node_modules" && parts[parts.count - 3].hasPrefix("@")
    }

    private struct Manifest: Decodable {
        var name: String?
        var version: String?
        var license: License?
        enum License: Decodable {
            case text(String), object
            init(from decoder: any Decoder) throws {
                if let s = try? decoder.singleValueContainer().decode(String.self) { self = .text(s) } else { self = .object }
            }
        }
    }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(content)),
              let name = manifest.name, let version = manifest.version, !name.isEmpty, !version.isEmpty else { return nil }
        var licenses: [String] = []
        if case .text(let l)? = manifest.license { licenses = [l] }
        return FileFinding(packages: [Package(type: .npm, name: name, version: version, licenses: licenses, path: path)])
    }
}
