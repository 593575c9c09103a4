/// Alpine's older secdb format (`v3.xx/main.yaml|json`), turned into OSV records so one matcher
/// serves both: each `secfixes` version becomes a `fixed` event for the CVEs it lists.
struct AlpineSecDB: Decodable {
    struct Entry: Decodable {
        struct Pkg: Decodable { var name: String; var secfixes: [String: [String]?]? }
        var pkg: Pkg
    }
    var distroversion: String
    var packages: [Entry]

    func records() -> [OSVRecord] {
        var byCVE: [String: [OSVRecord.Affected]] = [:]
        for entry in packages {
            // In a fixed order: the record a re-import builds must equal the stored one.
            for (fixed, ids) in (entry.pkg.secfixes ?? [:]).sorted(by: { $0.key < $1.key }) where fixed != "0" {
                for raw in ids ?? [] {
                    // entries look like "CVE-2019-1547" or "CVE-2019-1547 CVE-2019-1549"
                    for id in raw.split(separator: " ") where id.hasPrefix("CVE-") {
                        byCVE[String(id), default: []].append(OSVRecord.Affected(
                            package: .init(ecosystem: "Alpine:\(distroversion)", name: entry.pkg.name),
                            ranges: [.init(type: "ECOSYSTEM", events: [.init(introduced: "0"), .init(fixed: fixed)])]))
                    }
                }
            }
        }
        return byCVE.sorted { $0.key < $1.key }.map { OSVRecord(id: "ALPINE-\($0.key)", aliases: [$0.key], affected: $0.value) }
    }
}
