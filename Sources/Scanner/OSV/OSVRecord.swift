/// An OSV record (schema 1.x), the fields the matcher and reports use.
public struct OSVRecord: Codable, Sendable {
    public struct Package: Codable, Sendable { var ecosystem: String; var name: String; var purl: String? }
    public struct Event: Codable, Sendable {
        var introduced: String?
        var fixed: String?
        var last_affected: String?
        var limit: String?
    }
    public struct Range: Codable, Sendable { var type: String; var events: [Event] }
    public struct Severity: Codable, Sendable { var type: String; var score: String }
    public struct Affected: Codable, Sendable {
        var package: Package?
        var ranges: [Range]?
        var versions: [String]?
        var severity: [Severity]?
        var ecosystem_specific: JSONValue?
        var database_specific: JSONValue?
    }
    public struct Reference: Codable, Sendable { var type: String?; var url: String }

    public var id: String
    public var modified: String?
    var withdrawn: String?
    var aliases: [String]?
    var related: [String]?
    var summary: String?
    var details: String?
    var severity: [Severity]?
    var affected: [Affected]?
    var references: [Reference]?
    var database_specific: JSONValue?

    /// (ecosystem, name) of every package the record affects, names as the matcher looks them up.
    public var affectedPackages: [(ecosystem: String, name: String)] {
        (affected ?? []).compactMap(\.package).map { ($0.ecosystem, OSVDatabase.normalizedName(ecosystem: $0.ecosystem, $0.name)) }
    }

    /// The id reports show: the CVE among the id and aliases when there is one.
    var preferredID: String {
        if id.hasPrefix("CVE-") { return id }
        return aliases?.first { $0.hasPrefix("CVE-") } ?? id
    }
}
