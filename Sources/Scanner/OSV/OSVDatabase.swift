import Foundation
import Yams
import ZIPFoundation

/// Advisories loaded from `--vulndb` sources (directories of OSV JSON/YAML searched recursively,
/// osv.dev `all.zip` files, Alpine secdb files), indexed by ecosystem and package name.
/// Malformed records are skipped with a warning; withdrawn ones are dropped.
public struct OSVDatabase: Sendable {
    public private(set) var records: [OSVRecord] = []
    public private(set) var warnings: [String] = []
    /// Ids of records marked `withdrawn` in the sources: an import deletes them.
    public private(set) var withdrawnIDs: [String] = []
    /// "ecosystem\u{0}name" -> (record, affected) positions
    private var index: [String: [(record: Int, affected: Int)]] = [:]

    public init() {}

    /// A database of records already parsed (the registry reads them from its metadata database).
    public init(records: [OSVRecord]) {
        records.forEach { insert($0) }
    }

    public static func load(_ sources: [URL], limits: ScanLimits = ScanLimits(), log: (String) -> Void = { _ in }) throws -> OSVDatabase {
        var db = OSVDatabase()
        for source in sources {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
                throw ScanError.badAdvisoryDatabase("\(source.path) does not exist")
            }
            let before = db.records.count
            if isDirectory.boolValue {
                try db.loadDirectory(source, limits: limits)
            } else if source.pathExtension.lowercased() == "zip" {
                try db.loadZip(source, limits: limits)
            } else {
                db.loadFile(source, limits: limits)
            }
            log("vulndb \(source.path): \(db.records.count - before) advisories")
        }
        for w in db.warnings.prefix(50) { log("warning: \(w)") }
        if db.warnings.count > 50 { log("warning: \(db.warnings.count - 50) more advisory warnings") }
        return db
    }

    private mutating func loadDirectory(_ dir: URL, limits: ScanLimits) throws {
        guard let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey]) else {
            throw ScanError.badAdvisoryDatabase("\(dir.path) cannot be listed")
        }
        var files: [URL] = []
        for case let url as URL in walker {
            let ext = url.pathExtension.lowercased()
            guard ["json", "yaml", "yml", "zip"].contains(ext) else { continue }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            files.append(url)
        }
        for url in files.sorted(by: { $0.path < $1.path }) {
            if url.pathExtension.lowercased() == "zip" { try loadZip(url, limits: limits) } else { loadFile(url, limits: limits) }
        }
    }

    private mutating func loadZip(_ url: URL, limits: ScanLimits) throws {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw ScanError.badAdvisoryDatabase("\(url.path) is not a readable zip archive")
        }
        for entry in archive where entry.type == .file && entry.path.hasSuffix(".json") {
            guard entry.uncompressedSize <= UInt64(limits.maxAdvisoryBytes) else {
                warnings.append("\(url.lastPathComponent):\(entry.path): larger than \(limits.maxAdvisoryBytes) bytes, skipped")
                continue
            }
            var data = Data()
            do {
                _ = try archive.extract(entry) { data.append($0) }
            } catch {
                warnings.append("\(url.lastPathComponent):\(entry.path): cannot be inflated, skipped")
                continue
            }
            add(data, name: "\(url.lastPathComponent):\(entry.path)", yaml: false)
        }
    }

    private mutating func loadFile(_ url: URL, limits: ScanLimits) {
        let size = (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        guard size <= limits.maxAdvisoryBytes else {
            warnings.append("\(url.path): larger than \(limits.maxAdvisoryBytes) bytes, skipped")
            return
        }
        guard let data = try? Data(contentsOf: url) else {
            warnings.append("\(url.path): cannot be read, skipped")
            return
        }
        add(data, name: url.path, yaml: url.pathExtension.lowercased() != "json")
    }

    /// Decodes one file: an OSV record, a list of records, or an Alpine secdb document.
    mutating func add(_ data: Data, name: String, yaml: Bool) {
        do {
            if yaml {
                let text = String(decoding: data, as: UTF8.self)
                if let record = try? YAMLDecoder().decode(OSVRecord.self, from: text) {
                    insert(record)
                } else {
                    let secdb = try YAMLDecoder().decode(AlpineSecDB.self, from: text)
                    secdb.records().forEach { insert($0) }
                }
            } else if let record = try? JSONDecoder().decode(OSVRecord.self, from: data) {
                insert(record)
            } else if let list = try? JSONDecoder().decode([OSVRecord].self, from: data) {
                list.forEach { insert($0) }
            } else {
                let secdb = try JSONDecoder().decode(AlpineSecDB.self, from: data)
                secdb.records().forEach { insert($0) }
            }
        } catch {
            warnings.append("\(name): not an OSV record, skipped")
        }
    }

    mutating func insert(_ record: OSVRecord) {
        if record.withdrawn != nil {
            withdrawnIDs.append(record.id)
            return
        }
        let position = records.count
        records.append(record)
        for (i, affected) in (record.affected ?? []).enumerated() {
            guard let package = affected.package else { continue }
            index[Self.key(package.ecosystem, package.name), default: []].append((position, i))
        }
    }

    static func key(_ ecosystem: String, _ name: String) -> String {
        ecosystem + "\u{0}" + normalizedName(ecosystem: ecosystem, name)
    }

    /// The package name as advisories are looked up: PyPI names are PEP 503 normalised.
    public static func normalizedName(ecosystem: String, _ name: String) -> String {
        ecosystem == "PyPI" ? PythonAnalyzer.normalize(name) : name
    }

    func candidates(ecosystem: String, name: String) -> [(record: OSVRecord, affected: OSVRecord.Affected)] {
        (index[Self.key(ecosystem, name)] ?? []).map { (records[$0.record], records[$0.record].affected![$0.affected]) }
    }
}
