/// Rust dependencies from a `Cargo.lock` left in the image: `[[package]]` tables with `name` and
/// `version`. Only the few keys needed are read, so a small line parser stands in for TOML.
enum CargoLock {
    static func packages(_ text: String, path: String) -> [Package] {
        var out: [Package] = []
        var name: String?, version: String?, source: String?
        var inPackage = false
        func flush() {
            // path dependencies (no source) are the project itself, not crates.io crates
            if inPackage, let name, let version, source != nil {
                out.append(Package(type: .cargo, name: name, version: version, path: path))
            }
            name = nil; version = nil; source = nil
        }
        for raw in text.nonEmptyTextLines {
            let line = raw.trimmingWhitespace
            if line.hasPrefix("[") {
                flush()
                inPackage = line == "[[package]]"
                continue
            }
            guard inPackage, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingWhitespace
            var value = line[line.index(after: eq)...].trimmingWhitespace
            guard value.first == "\"", value.count >= 2 else { continue }
            value = value.dropFirst().prefix { $0 != "\"" }
            switch key {
            case "name": name = String(value)
            case "version": version = String(value)
            case "source": source = String(value)
            default: break
            }
        }
        flush()
        return out
    }
}
