/// Maven's `ComparableVersion` ordering: tokens split at `.`, `-` and digit/letter transitions,
/// trailing null tokens (0, "", final, ga, release) trimmed per hyphen group, qualifiers ordered
/// alpha < beta < milestone < rc < snapshot < "" < sp < anything else (alphabetically).
struct MavenVersion {
    struct Token: Equatable {
        var prefix: Character?  // nil for the very first token
        var value: String
        var isNull = false

        var isNumber: Bool { DecimalString.isDigits(value) }
        var trimmable: Bool { value == "0" || value == "" || value == "final" || value == "ga" }

        /// ".qualifier" < "-qualifier" < "-number" < ".number"
        var kindOrder: Int {
            if isNumber { return prefix == "-" ? 2 : 3 }
            return prefix == "-" ? 1 : 0
        }

        static func == (a: Token, b: Token) -> Bool { a.prefix == b.prefix && a.value == b.value }
    }

    var tokens: [Token] = []
    private static let keywords = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]

    init(_ text: String) {
        var groups: [(prefix: Character?, text: Substring)] = []
        var current = Substring(text)
        var prefix: Character? = nil
        while let i = current.firstIndex(where: { $0 == "." || $0 == "-" }) {
            groups.append((prefix, current[..<i]))
            prefix = current[i]
            current = current[current.index(after: i)...]
        }
        groups.append((prefix, current))

        for (groupPrefix, raw) in groups {
            let pieces = Self.splitTransitions(raw)
            for (j, piece) in pieces.enumerated() {
                var value = piece.lowercased()
                if value.isEmpty { value = "0" }
                if value == "cr" { value = "rc" }
                if value == "ga" || value == "final" || value == "release" { value = "" }
                if j < pieces.count - 1 {
                    if value == "a" { value = "alpha" }
                    if value == "b" { value = "beta" }
                    if value == "m" { value = "milestone" }
                }
                if DecimalString.isDigits(value) {
                    let stripped = value.drop { $0 == "0" }
                    value = stripped.isEmpty ? "0" : String(stripped)
                }
                tokens.append(Token(prefix: j > 0 ? "-" : (groupPrefix ?? "."), value: value))
            }
        }
        tokens[0].prefix = nil
        var i = tokens.count - 1
        while i > 0 {
            if tokens[i].trimmable {
                tokens.remove(at: i)
                i -= 1
                continue
            }
            while i >= 0 && tokens[i].prefix != "-" { i -= 1 }
            i -= 1
        }
    }

    private static func splitTransitions(_ s: Substring) -> [Substring] {
        var out: [Substring] = []
        var start = s.startIndex
        var previousIsDigit: Bool? = nil
        var idx = s.startIndex
        while idx < s.endIndex {
            let d = s[idx].isASCIIDigit
            if let p = previousIsDigit, p != d {
                out.append(s[start..<idx])
                start = idx
            }
            previousIsDigit = d
            idx = s.index(after: idx)
        }
        out.append(s[start...])
        return out
    }

    private static func nullToken(like t: Token) -> Token {
        if t.prefix == "-" { return Token(prefix: "-", value: "", isNull: true) }
        return Token(prefix: t.prefix ?? ".", value: t.value == "sp" ? "" : "0", isNull: true)
    }

    private static func less(_ v: Token, _ w: Token) -> Bool {
        let vp = v.prefix ?? ".", wp = w.prefix ?? "."
        if vp == wp {
            if v.isNumber && w.isNumber { return DecimalString.compare(v.value, w.value) < 0 }
            if v.isNumber && !v.isNull { return false }
            if w.isNumber && !w.isNull { return true }
            let a = keywords.firstIndex(of: v.value) ?? keywords.count
            let b = keywords.firstIndex(of: w.value) ?? keywords.count
            if a == keywords.count && b == keywords.count { return v.value < w.value }
            return a < b
        }
        var a = v, b = w
        a.prefix = vp; b.prefix = wp
        return a.kindOrder < b.kindOrder
    }

    func compare(_ o: MavenVersion) -> Int {
        if tokens == o.tokens { return 0 }
        for i in 0..<max(tokens.count, o.tokens.count) {
            let left = i < tokens.count ? tokens[i] : Self.nullToken(like: o.tokens[i])
            let right = i < o.tokens.count ? o.tokens[i] : Self.nullToken(like: tokens[i])
            if left == right { continue }
            return Self.less(left, right) ? -1 : 1
        }
        return 1
    }
}
