import Foundation

/// What a report says about the scanned artifact and the scanner.
public struct ReportContext: Sendable {
    public var repository: String
    public var tag: String?
    public var digest: String?
    public var mimeType: String
    public var generatedAt: Date
    public static let scannerName = "Berth"
    public static let scannerVersion = "0.1.0"

    public init(repository: String, tag: String?, digest: String?, mimeType: String, generatedAt: Date = Date()) {
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.mimeType = mimeType
        self.generatedAt = generatedAt
    }

    var timestamp: String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: generatedAt)
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

public enum ReportFormat: String, Sendable, CaseIterable {
    case harbor, cyclonedx, spdx

    public func render(inventory: ImageInventory, vulnerabilities: [Vulnerability], context: ReportContext) throws -> Data {
        switch self {
        case .harbor: try HarborReport(inventory: inventory, vulnerabilities: vulnerabilities, context: context).json()
        case .cyclonedx: try CycloneDXReport.json(inventory: inventory, vulnerabilities: vulnerabilities, context: context)
        case .spdx: try SPDXReport.json(inventory: inventory, context: context)
        }
    }
}
