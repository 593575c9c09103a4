/// Stacks per-layer results into the final filesystem view with OCI whiteout rules: a `.wh.name`
/// removes `name` (and anything below it) from lower layers, `.wh..wh..opq` empties a directory of
/// lower-layer content, and a path written again replaces what was below.
struct LayerMerger {
    struct Surviving { var finding: FileFinding; var layer: Int }

    static func merge(_ layers: [LayerResult]) -> [String: Surviving] {
        var view: [String: Surviving] = [:]
        for (index, layer) in layers.enumerated() {
            for dir in layer.opaqueDirectories {
                view = view.filter { !LayerPath.isWithin($0.key, dir) || $0.key == dir }
            }
            for removed in layer.whiteouts {
                view = view.filter { !LayerPath.isWithin($0.key, removed) }
            }
            // replaced by a file no analyzer recognised (or by a link or directory)
            view = view.filter { layer.findings[$0.key] != nil || !layer.pathHashes.contains(LayerResult.hash($0.key)) }
            for (path, finding) in layer.findings {
                view[path] = Surviving(finding: finding, layer: index)
            }
        }
        return view
    }

    /// Final package list: OS-owned files' language packages dropped, each package attributed to
    /// the lowest layer that already had it at the same path.
    static func packages(_ layers: [LayerResult], references: [LayerReference]) -> (os: OSInfo?, packages: [LocatedPackage]) {
        let view = merge(layers)
        let os = view["etc/os-release"]?.finding.os ?? view["usr/lib/os-release"]?.finding.os
        var owned = Set<String>()
        for surviving in view.values { owned.formUnion(surviving.finding.ownedFiles) }
        var out: [LocatedPackage] = []
        for (path, surviving) in view.sorted(by: { $0.key < $1.key }) {
            for package in surviving.finding.packages {
                if !package.type.isOSPackage && owned.contains(path) { continue }
                var introduced = surviving.layer
                for i in 0..<surviving.layer where layers[i].findings[path]?.packages.contains(where: {
                    $0.name == package.name && $0.version == package.version && $0.type == package.type
                }) == true {
                    introduced = i
                    break
                }
                out.append(LocatedPackage(package: package, layer: references[introduced]))
            }
        }
        return (os, out)
    }
}
