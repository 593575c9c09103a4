import Foundation
import FuzzSupport
@testable import Scanner

/// An advisory file as `berth vulndb import` reads it (`OSVDatabase.add`: an OSV record, a list of
/// them, or an Alpine secdb document; JSON when the input starts with `{` or `[`, YAML otherwise),
/// then what the matcher does with it.
///
/// Properties: every record read can be stored the way the importer stores it (canonical JSON) and
/// read back from there to the same JSON; every affected package is found in the index; and each
/// version scheme orders the record's own versions consistently (a version equals itself, and
/// comparing two versions both ways gives opposite signs).
@main
enum FuzzOSV {
    static func main() {
        FuzzMain.run { input in
            let data = Data(input)
            // Files are read as JSON or YAML by their extension; here, by their first character.
            let isJSON = input.first { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }.map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") } ?? false
            var database = OSVDatabase()
            database.add(data, name: isJSON ? "fuzz.json" : "fuzz.yaml", yaml: !isJSON)
            for record in database.records {
                check(record, in: database)
            }
        }
    }

    static func check(_ record: OSVRecord, in database: OSVDatabase) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let stored = try? encoder.encode(record) else { fatalError("record \(record.id) cannot be stored as JSON") }
        guard let readBack = try? JSONDecoder().decode(OSVRecord.self, from: stored) else {
            fatalError("stored record \(record.id) does not read back")
        }
        guard (try? encoder.encode(readBack)) == stored else { fatalError("stored record \(record.id) reads back differently") }

        for affected in record.affected ?? [] {
            guard let package = affected.package else { continue }
            guard database.candidates(ecosystem: package.ecosystem, name: package.name).contains(where: { $0.record.id == record.id }) else {
                fatalError("\(package.ecosystem)/\(package.name) of \(record.id) is not in the index")
            }
            let scheme = VersionScheme.forEcosystem(package.ecosystem)
            let events = (affected.ranges ?? []).flatMap(\.events)
            var versions = (affected.versions ?? []) + events.flatMap { [$0.introduced, $0.fixed, $0.last_affected, $0.limit].compactMap { $0 } }
            versions = Array(Set(versions).sorted().prefix(12))
            for version in versions {
                _ = AffectedRanges.isAffected(version, affected, scheme: scheme)
                _ = AffectedRanges.fixVersion(version, affected, scheme: scheme)
                for other in versions {
                    let forth = scheme.compare(version, other).signum()
                    let back = scheme.compare(other, version).signum()
                    guard forth == -back else {
                        fatalError("\(scheme): compare(\(version.debugDescription), \(other.debugDescription)) is \(forth), the reverse \(back)")
                    }
                    if version == other, forth != 0 { fatalError("\(scheme): \(version.debugDescription) does not equal itself") }
                }
            }
        }
    }
}
