/// PEP 440 ordering (epoch, release, pre, post, dev, local) with the `packaging` sort tricks: a bare
/// `.devN` sorts before any pre-release of the same release. Strings that are not PEP 440 are
/// "legacy" versions, ordered among themselves by setuptools' old rules and below all PEP 440 ones.
struct Pep440Version {
    var legacy: [String]?
    var epoch: Substring = "0"
    var release: [Substring] = []
    var pre: (phase: Int, number: Substring)?
    var post: Substring?
    var dev: Substring?
    var local: [Substring] = []

    init(_ text: String) {
        let lower = text.lowercased()
        if !parse(Substring(lower.trimmingWhitespace)) {
            self = Pep440Version(legacyParts: Self.legacyParts(lower))
        }
    }

    private init(legacyParts: [String]) { legacy = legacyParts }

    private static func digits(_ s: inout Substring) -> Substring? {
        let d = s.prefix { $0.isASCIIDigit }
        if d.isEmpty { return nil }
        s = s.dropFirst(d.count)
        return d
    }

    private static func separator(_ s: inout Substring) {
        if let c = s.first, c == "-" || c == "_" || c == "." { s = s.dropFirst() }
    }

    /// Consumes the first of `words` that `s` starts with (after an optional separator).
    private static func word(_ s: inout Substring, _ words: [String]) -> String? {
        var t = s
        separator(&t)
        for w in words where t.hasPrefix(w) {
            s = t.dropFirst(w.count)
            return w
        }
        return nil
    }

    private mutating func parse(_ input: Substring) -> Bool {
        var s = input
        if s.first == "v" { s = s.dropFirst() }
        guard var first = Self.digits(&s) else { return false }
        if s.first == "!" {
            epoch = first
            s = s.dropFirst()
            guard let d = Self.digits(&s) else { return false }
            first = d
        }
        release = [first]
        while s.first == ".", let c = s.dropFirst().first, c.isASCIIDigit {
            s = s.dropFirst()
            release.append(Self.digits(&s)!)
        }
        let phases = ["alpha", "a", "beta", "b", "preview", "pre", "rc", "c"]
        let save = s
        if let w = Self.word(&s, phases) {
            let phase = w.hasPrefix("a") ? 0 : (w.hasPrefix("b") ? 1 : 2)
            var t = s
            Self.separator(&t)
            if let n = Self.digits(&t) { s = t; pre = (phase, n) } else { pre = (phase, "0") }
        } else { s = save }
        if s.first == "-", let c = s.dropFirst().first, c.isASCIIDigit {
            s = s.dropFirst()
            post = Self.digits(&s)
        } else if Self.word(&s, ["post", "rev", "r"]) != nil {
            var t = s
            Self.separator(&t)
            if let n = Self.digits(&t) { s = t; post = n } else { post = "0" }
        }
        if Self.word(&s, ["dev"]) != nil {
            var t = s
            Self.separator(&t)
            if let n = Self.digits(&t) { s = t; dev = n } else { dev = "0" }
        }
        if s.first == "+" {
            s = s.dropFirst()
            let parts = s.split(separator: "-", omittingEmptySubsequences: false)
                .flatMap { $0.split(separator: "_", omittingEmptySubsequences: false) }
                .flatMap { $0.split(separator: ".", omittingEmptySubsequences: false) }
            guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCIIDigit || ($0 >= "a" && $0 <= "z") } }) else { return false }
            local = parts
            s = s.dropFirst(s.count)
        }
        return s.isEmpty
    }

    /// setuptools' pre-PEP 440 `parse_version` key.
    static func legacyParts(_ text: String) -> [String] {
        var tokens: [String] = []
        var s = Substring(text)
        while let c = s.first {
            if c.isASCIIDigit {
                let d = s.prefix { $0.isASCIIDigit }; tokens.append(String(d)); s = s.dropFirst(d.count)
            } else if c >= "a" && c <= "z" {
                let w = s.prefix { $0 >= "a" && $0 <= "z" }; tokens.append(String(w)); s = s.dropFirst(w.count)
            } else {
                if c == "." || c == "-" { tokens.append(String(c)) }
                s = s.dropFirst()
            }
        }
        tokens.append("final")
        var parts: [String] = []
        for raw in tokens where raw != "." {
            var part = ["pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"][raw] ?? raw
            if let f = part.first, f.isASCIIDigit {
                part = String(repeating: "0", count: max(0, 8 - part.count)) + part
            } else {
                part = "*" + part
                if part < "*final" { while parts.last == "*final-" { parts.removeLast() } }
                while parts.last == "00000000" { parts.removeLast() }
            }
            parts.append(part)
        }
        return parts
    }

    func compare(_ o: Pep440Version) -> Int {
        switch (legacy, o.legacy) {
        case let (a?, b?):
            let x = a.joined(), y = b.joined()
            return x == y ? 0 : (x < y ? -1 : 1)
        case (.some, nil): return -1
        case (nil, .some): return 1
        default: break
        }
        var c = DecimalString.compare(epoch, o.epoch)
        if c != 0 { return c }
        for i in 0..<max(release.count, o.release.count) {
            c = DecimalString.compare(i < release.count ? release[i] : "0", i < o.release.count ? o.release[i] : "0")
            if c != 0 { return c }
        }
        // pre: dev-only releases first, then pre-releases by phase, then none
        func preKey(_ v: Pep440Version) -> (Int, Int, Substring) {
            if v.pre == nil && v.post == nil && v.dev != nil { return (0, 0, "0") }
            if let p = v.pre { return (1, p.phase, p.number) }
            return (2, 0, "0")
        }
        let pa = preKey(self), pb = preKey(o)
        if pa.0 != pb.0 { return pa.0 < pb.0 ? -1 : 1 }
        if pa.1 != pb.1 { return pa.1 < pb.1 ? -1 : 1 }
        c = DecimalString.compare(pa.2, pb.2)
        if c != 0 { return c }
        switch (post, o.post) {
        case (nil, .some): return -1
        case (.some, nil): return 1
        case let (a?, b?): c = DecimalString.compare(a, b); if c != 0 { return c }
        default: break
        }
        switch (dev, o.dev) {
        case (nil, .some): return 1
        case (.some, nil): return -1
        case let (a?, b?): c = DecimalString.compare(a, b); if c != 0 { return c }
        default: break
        }
        for i in 0..<min(local.count, o.local.count) {
            let a = local[i], b = o.local[i]
            switch (DecimalString.isDigits(a), DecimalString.isDigits(b)) {
            case (true, true): c = DecimalString.compare(a, b)
            case (false, false): c = a == b ? 0 : (a < b ? -1 : 1)
            case (true, false): c = 1
            case (false, true): c = -1
            }
            if c != 0 { return c }
        }
        return (local.count - o.local.count).signum3
    }
}
