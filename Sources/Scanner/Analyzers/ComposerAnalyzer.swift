import Foundation

/// PHP packages installed by Composer: `vendor/composer/installed.json` (a list in Composer 1,
/// `{"packages": [...]}` in Composer 2).
struct ComposerAnalyzer: FileAnalyzer {
    func wants(path: String, size: UInt64, executable: Bool) -> Bool {
        path.hasSuffix("vendor/composer/installed.json") && size < 32 << 20
    }

    private struct Entry: Decodable { var name: String; var version: String; var license: [String]? }
    private struct V2: Decodable { var packages: [Entry] }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        let data = Data(content)
        let entries = (try? JSONDecoder().decode(V2.self, from: data).packages) ?? (try? JSONDecoder().decode([Entry].self, from: data))
        guard let entries else {
            context.warn("\(path): not a Composer installed.json")
            return nil
        }
        return FileFinding(packages: entries.map {
            let v = $0.version.hasPrefix("v") ? String($0.version.dropFirst()) : $0.version
            return Package(type: .composer, name: $0.name, version: v, licenses: $0.license ?? [], path: path)
        })
    }
}
