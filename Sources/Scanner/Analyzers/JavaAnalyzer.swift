import Foundation
import ZIPFoundation

/// Java archives (`.jar`, `.war`, `.ear`): Maven coordinates from `META-INF/maven/**/pom.properties`,
/// else from `META-INF/MANIFEST.MF` and the file name; archives nested inside are read too, to a
/// bounded depth and inflated size.
struct JavaAnalyzer: FileAnalyzer {
    static let suffixes = [".jar", ".war", ".ear"]

    func wants(path: String, size: UInt64, executable: Bool) -> Bool {
        Self.suffixes.contains { path.hasSuffix($0) } && size >= 22
    }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        var budget = context.limits.maxJarInflatedBytes
        var packages: [Package] = []
        read(Data(content), name: String(LayerPath.basename(path)), path: path, depth: 0, budget: &budget, into: &packages, context: context)
        return FileFinding(packages: packages)
    }

    private func read(_ data: Data, name: String, path: String, depth: Int, budget: inout UInt64,
                      into packages: inout [Package], context: AnalysisContext) {
        guard let archive = try? Archive(data: data, accessMode: .read) else {
            context.warn("\(path): \(name) is not a readable zip archive")
            return
        }
        var found: [Package] = []
        var manifest: [String: String]?
        for entry in archive where entry.type == .file {
            let entryPath = entry.path
            let wantsPom = entryPath.hasPrefix("META-INF/maven/") && entryPath.hasSuffix("/pom.properties")
            let wantsManifest = entryPath == "META-INF/MANIFEST.MF"
            let nested = depth < context.limits.maxJarDepth && Self.suffixes.contains { entryPath.hasSuffix($0) }
            guard wantsPom || wantsManifest || nested else { continue }
            guard UInt64(entry.uncompressedSize) <= budget else {
                context.warn("\(path): stopped reading \(name): inflated size limit reached")
                return
            }
            var bytes = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: true) { bytes.append($0) }
            } catch {
                context.warn("\(path): \(entryPath) in \(name) cannot be inflated")
                continue
            }
            budget -= UInt64(min(UInt64(bytes.count), budget))
            if wantsPom {
                let props = Self.properties(String(decoding: bytes, as: UTF8.self), separator: "=")
                if let g = props["groupId"], let a = props["artifactId"], let v = props["version"] {
                    found.append(Package(type: .maven, name: "\(g):\(a)", version: v, path: path))
                }
            } else if wantsManifest {
                manifest = Self.properties(String(decoding: bytes, as: UTF8.self), separator: ":")
            } else {
                read(bytes, name: String(LayerPath.basename(entryPath)), path: path, depth: depth + 1, budget: &budget, into: &packages, context: context)
            }
        }
        if found.isEmpty, let manifest, let package = Self.fromManifest(manifest, fileName: name, path: path) {
            found.append(package)
        }
        packages.append(contentsOf: found)
    }

    static func properties(_ text: String, separator: Character) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.nonEmptyTextLines {
            guard !line.hasPrefix("#"), !line.hasPrefix(" "), let i = line.firstIndex(of: separator) else { continue }
            out[String(line[..<i].trimmingWhitespace)] = String(line[line.index(after: i)...].trimmingWhitespace)
        }
        return out
    }

    /// Without pom.properties: artifact and version from the file name (`guava-31.1.jar`), completed
    /// by the manifest's vendor id / bundle name for the group.
    static func fromManifest(_ m: [String: String], fileName: String, path: String) -> Package? {
        var stem = fileName
        for s in suffixes where stem.hasSuffix(s) { stem.removeLast(s.count) }
        var artifact = stem, fileVersion: String?
        if let dash = stem.range(of: #"-\d"#, options: .regularExpression) {
            artifact = String(stem[..<dash.lowerBound])
            fileVersion = String(stem[stem.index(after: dash.lowerBound)...])
        }
        guard let version = m["Implementation-Version"] ?? m["Bundle-Version"] ?? fileVersion else { return nil }
        let group = m["Implementation-Vendor-Id"] ?? m["Bundle-SymbolicName"].flatMap { symbolic -> String? in
            let bare = symbolic.split(separator: ";").first.map(String.init) ?? symbolic
            guard let dot = bare.lastIndex(of: ".") else { return nil }
            return String(bare[..<dot])
        }
        return Package(type: .maven, name: group.map { "\($0):\(artifact)" } ?? artifact, version: version, path: path)
    }
}
