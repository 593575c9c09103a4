/// Normalises tar entry names to a clean relative path (`usr/bin/x`): leading `./` and `/` removed,
/// `.` segments dropped, `..` resolved. A name that climbs above the root is refused (nil): such an
/// entry would write outside the image if extracted, and is a sign of a hostile layer.
enum LayerPath {
    static func normalize(_ raw: String) -> String? {
        var parts: [Substring] = []
        for segment in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if parts.isEmpty { return nil }
                parts.removeLast()
                continue
            }
            parts.append(segment)
        }
        return parts.joined(separator: "/")
    }

    static func basename(_ path: String) -> Substring {
        if let slash = path.lastIndex(of: "/") { return path[path.index(after: slash)...] }
        return Substring(path)
    }

    static func dirname(_ path: String) -> Substring {
        if let slash = path.lastIndex(of: "/") { return path[..<slash] }
        return ""
    }

    /// True when `path` is `directory` itself or lies below it ("" is the root).
    static func isWithin(_ path: String, _ directory: String) -> Bool {
        if directory.isEmpty { return true }
        return path == directory || (path.hasPrefix(directory) && path.utf8.dropFirst(directory.utf8.count).first == UInt8(ascii: "/"))
    }
}
