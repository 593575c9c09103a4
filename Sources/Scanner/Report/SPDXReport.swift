import Foundation

/// SPDX 2.3 JSON: the image as the described package, every found package contained in it with
/// its purl as a package-manager external reference.
enum SPDXReport {
    struct Document: Encodable {
        var spdxVersion = "SPDX-2.3"
        var dataLicense = "CC0-1.0"
        var SPDXID = "SPDXRef-DOCUMENT"
        var name: String
        var documentNamespace: String
        var creationInfo: CreationInfo
        var packages: [SPDXPackage]
        var relationships: [Relationship]
    }
    struct CreationInfo: Encodable { var created: String; var creators: [String] }
    struct ExternalRef: Encodable { var referenceCategory: String; var referenceType: String; var referenceLocator: String }
    struct SPDXPackage: Encodable {
        var SPDXID: String
        var name: String
        var versionInfo: String?
        var downloadLocation = "NOASSERTION"
        var filesAnalyzed = false
        var licenseConcluded = "NOASSERTION"
        var licenseDeclared = "NOASSERTION"
        var sourceInfo: String?
        var externalRefs: [ExternalRef]?
        var primaryPackagePurpose: String?
    }
    struct Relationship: Encodable { var spdxElementId: String; var relationshipType: String; var relatedSpdxElement: String }

    static func json(inventory: ImageInventory, context: ReportContext) throws -> Data {
        var packages = [SPDXPackage(SPDXID: "SPDXRef-Image", name: context.repository, versionInfo: context.digest ?? context.tag,
                                    primaryPackagePurpose: "CONTAINER")]
        var relationships = [Relationship(spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: "SPDXRef-Image")]
        if let os = inventory.os {
            packages.append(SPDXPackage(SPDXID: "SPDXRef-OperatingSystem", name: os.id, versionInfo: os.versionID, primaryPackagePurpose: "OPERATING-SYSTEM"))
            relationships.append(Relationship(spdxElementId: "SPDXRef-Image", relationshipType: "CONTAINS", relatedSpdxElement: "SPDXRef-OperatingSystem"))
        }
        for (i, located) in inventory.packages.enumerated() {
            let p = located.package
            let id = "SPDXRef-Package-\(i + 1)"
            packages.append(SPDXPackage(
                SPDXID: id, name: p.name, versionInfo: p.version,
                sourceInfo: "found in \(p.path)" + (located.layer.diffID.map { ", layer \($0)" } ?? ""),
                externalRefs: [ExternalRef(referenceCategory: "PACKAGE-MANAGER", referenceType: "purl",
                                           referenceLocator: PackageURL.make(p, os: inventory.os))],
                primaryPackagePurpose: "LIBRARY"))
            relationships.append(Relationship(spdxElementId: "SPDXRef-Image", relationshipType: "CONTAINS", relatedSpdxElement: id))
        }
        let document = Document(name: context.repository + (context.tag.map { ":\($0)" } ?? ""),
                                documentNamespace: "https://berth.invalid/spdx/\(context.repository)-\(UUID().uuidString.lowercased())",
                                creationInfo: CreationInfo(created: context.timestamp, creators: ["Tool: berth-scan-\(ReportContext.scannerVersion)"]),
                                packages: packages, relationships: relationships)
        return try ReportContext.encode(document)
    }
}
