import Foundation

/// CycloneDX 1.5 JSON BOM: the image as the metadata component, one component per package (with
/// purl and the layer as a property) and the matched vulnerabilities referencing them.
enum CycloneDXReport {
    struct BOM: Encodable {
        var bomFormat = "CycloneDX"
        var specVersion = "1.5"
        var serialNumber: String
        var version = 1
        var metadata: Metadata
        var components: [Component]
        var vulnerabilities: [Vuln]
    }
    struct Metadata: Encodable {
        struct Tools: Encodable { var components: [Component] }
        var timestamp: String
        var tools: Tools
        var component: Component
    }
    struct Component: Encodable {
        struct License: Encodable { struct Named: Encodable { var name: String }; var license: Named }
        struct Property: Encodable { var name: String; var value: String }
        var bomRef: String?
        var type: String
        var name: String
        var version: String?
        var purl: String?
        var licenses: [License]?
        var properties: [Property]?
        enum CodingKeys: String, CodingKey { case bomRef = "bom-ref", type, name, version, purl, licenses, properties }
    }
    struct Vuln: Encodable {
        struct Rating: Encodable { var score: Double?; var severity: String; var method: String?; var vector: String? }
        struct Affects: Encodable { var ref: String }
        var id: String
        var ratings: [Rating]
        var description: String
        var recommendation: String?
        var affects: [Affects]
    }

    static func json(inventory: ImageInventory, vulnerabilities: [Vulnerability], context: ReportContext) throws -> Data {
        var refs: [LocatedPackage: String] = [:]
        var components: [Component] = []
        if let os = inventory.os {
            components.append(Component(bomRef: "os:\(os.id)@\(os.versionID)", type: "operating-system", name: os.id, version: os.versionID))
        }
        for (i, located) in inventory.packages.enumerated() {
            let p = located.package
            let purl = PackageURL.make(p, os: inventory.os)
            let ref = "\(purl)#\(i)"
            refs[located] = ref
            var props = [Component.Property(name: "berth:package:path", value: p.path)]
            if let d = located.layer.diffID { props.append(.init(name: "berth:layer:diff_id", value: d)) }
            if let d = located.layer.digest { props.append(.init(name: "berth:layer:digest", value: d)) }
            components.append(Component(bomRef: ref, type: "library", name: p.name, version: p.version, purl: purl,
                                        licenses: p.licenses.isEmpty ? nil : p.licenses.map { .init(license: .init(name: $0)) },
                                        properties: props))
        }
        let vulns = vulnerabilities.map { v in
            Vuln(id: v.id,
                 ratings: [Vuln.Rating(score: v.cvss?.baseScore, severity: v.severity == .negligible ? "none" : v.severity.rawValue.lowercased(),
                                       method: v.cvss == nil ? nil : "CVSSv31", vector: v.cvss?.vector)],
                 description: v.description,
                 recommendation: v.fixVersion.map { "Upgrade \(v.package.package.name) to \($0) or later" },
                 affects: refs[v.package].map { [Vuln.Affects(ref: $0)] } ?? [])
        }
        let image = Component(bomRef: "image", type: "container", name: context.repository, version: context.digest ?? context.tag)
        let bom = BOM(serialNumber: "urn:uuid:\(UUID().uuidString.lowercased())",
                      metadata: Metadata(timestamp: context.timestamp,
                                         tools: .init(components: [Component(type: "application", name: "berth", version: ReportContext.scannerVersion)]),
                                         component: image),
                      components: components, vulnerabilities: vulns)
        return try ReportContext.encode(bom)
    }
}
