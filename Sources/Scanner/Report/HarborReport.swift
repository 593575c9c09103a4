import Foundation

/// Harbor's `application/vnd.security.vulnerability.report; version=1.1`.
public struct HarborReport: Codable, Sendable {
    public static let mimeType = "application/vnd.security.vulnerability.report; version=1.1"

    public struct Artifact: Codable, Sendable {
        var repository: String
        var digest: String?
        var tag: String?
        var mime_type: String
    }
    public struct Scanner: Codable, Sendable { var name: String; var vendor: String; var version: String }
    public struct CVSSDetails: Codable, Sendable {
        var score_v3: Double?
        var score_v2: Double?
        var vector_v3: String?
        var vector_v2: String?
    }
    public struct Item: Codable, Sendable {
        public var id: String
        public var package: String
        public var version: String
        public var fix_version: String?
        public var severity: Severity
        public var description: String
        public var links: [String]
        public var preferred_cvss: CVSSDetails?
        public var cwe_ids: [String]
        public var layer: LayerReference
        public var vendor_attributes: [String: String]?
    }

    public var generated_at: String
    public var artifact: Artifact
    public var scanner: Scanner
    public var severity: Severity
    public var vulnerabilities: [Item]

    public init(inventory: ImageInventory, vulnerabilities: [Vulnerability], context: ReportContext) {
        generated_at = context.timestamp
        artifact = Artifact(repository: context.repository, digest: context.digest, tag: context.tag, mime_type: context.mimeType)
        scanner = Scanner(name: ReportContext.scannerName, vendor: ReportContext.scannerName, version: ReportContext.scannerVersion)
        severity = vulnerabilities.map(\.severity).max() ?? .unknown
        self.vulnerabilities = vulnerabilities.map { v in
            Item(id: v.id, package: v.package.package.name, version: v.package.package.version, fix_version: v.fixVersion,
                 severity: v.severity, description: v.description, links: v.links,
                 preferred_cvss: v.cvss.map { CVSSDetails(score_v3: $0.baseScore, vector_v3: $0.vector) },
                 cwe_ids: v.cweIDs, layer: v.package.layer,
                 vendor_attributes: ["advisory_id": v.advisoryID, "package_type": v.package.package.type.rawValue, "path": v.package.package.path])
        }
    }

    public func json() throws -> Data { try ReportContext.encode(self) }
}
