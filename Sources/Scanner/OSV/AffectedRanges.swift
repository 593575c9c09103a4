/// OSV's evaluation rules for one `affected` entry: an exact `versions` hit, or a `SEMVER` /
/// `ECOSYSTEM` range whose sorted events leave the version introduced and not yet fixed
/// (`fixed` is exclusive, `last_affected` inclusive, `limit` caps the range). `GIT` ranges are
/// commit-based and cannot be evaluated against installed versions.
enum AffectedRanges {
    static func isAffected(_ version: String, _ affected: OSVRecord.Affected, scheme: VersionScheme) -> Bool {
        if affected.versions?.contains(version) == true { return true }
        for range in affected.ranges ?? [] {
            let rangeScheme: VersionScheme
            switch range.type {
            case "SEMVER": rangeScheme = .semver
            case "ECOSYSTEM": rangeScheme = scheme
            default: continue
            }
            if inRange(version, range.events, scheme: rangeScheme) { return true }
        }
        return false
    }

    static func inRange(_ version: String, _ events: [OSVRecord.Event], scheme: VersionScheme) -> Bool {
        func cmp(_ a: String, _ b: String) -> Int { scheme.compare(a, b) }
        // introduced "0" sorts first; otherwise by version, with introduced before fixed at a tie
        let sorted = events.compactMap { e -> (kind: Int, version: String)? in
            if let v = e.introduced { return (0, v) }
            if let v = e.fixed { return (1, v) }
            if let v = e.last_affected { return (2, v) }
            return nil
        }.sorted { x, y in
            if x.kind == 0 && x.version == "0" { return !(y.kind == 0 && y.version == "0") }
            if y.kind == 0 && y.version == "0" { return false }
            let c = cmp(x.version, y.version)
            return c != 0 ? c < 0 : x.kind < y.kind
        }
        var affected = false
        for event in sorted {
            switch event.kind {
            case 0: if event.version == "0" || cmp(version, event.version) >= 0 { affected = true }
            case 1: if cmp(version, event.version) >= 0 { affected = false }
            default: if cmp(version, event.version) > 0 { affected = false }
            }
        }
        let limits = events.compactMap(\.limit)
        if affected && !limits.isEmpty {
            affected = limits.contains { $0 == "*" || cmp(version, $0) < 0 }
        }
        return affected
    }

    /// The smallest `fixed` version above the installed one, over every range of the entry.
    static func fixVersion(_ version: String, _ affected: OSVRecord.Affected, scheme: VersionScheme) -> String? {
        var best: (String, VersionScheme)?
        for range in affected.ranges ?? [] where range.type == "SEMVER" || range.type == "ECOSYSTEM" {
            let s = range.type == "SEMVER" ? VersionScheme.semver : scheme
            for fixed in range.events.compactMap(\.fixed) where s.compare(fixed, version) > 0 {
                if best == nil || s.compare(fixed, best!.0) < 0 { best = (fixed, s) }
            }
        }
        return best?.0
    }
}
