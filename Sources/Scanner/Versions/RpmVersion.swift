/// RPM ordering: `[epoch:]version[-release]`, each part compared with `rpmvercmp` (tilde sorts
/// before anything, caret after the base version but before any further segment).
enum RpmVersion {
    static func compare(_ a: String, _ b: String) -> Int {
        let x = split(a), y = split(b)
        for (p, q) in [(x.epoch, y.epoch), (x.version, y.version), (x.release, y.release)] {
            let c = rpmvercmp(Array(p.utf8), Array(q.utf8))
            if c != 0 { return c }
        }
        return 0
    }

    static func split(_ s: String) -> (epoch: String, version: String, release: String) {
        var epoch = "0"
        var rest = Substring(s)
        if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy(\.isASCIIDigit) {
            epoch = rest[..<colon].isEmpty ? "0" : String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        if let dash = rest.firstIndex(of: "-") {
            return (epoch, String(rest[..<dash]), "-" + rest[rest.index(after: dash)...])
        }
        return (epoch, String(rest), "")
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) }

    static func rpmvercmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty && !b.isEmpty { return -1 }
        if !a.isEmpty && b.isEmpty { return 1 }
        var i = 0, j = 0
        let tilde = UInt8(ascii: "~"), caret = UInt8(ascii: "^")
        while true {
            while i < a.count, !isDigit(a[i]), !isAlpha(a[i]), a[i] != tilde, a[i] != caret { i += 1 }
            while j < b.count, !isDigit(b[j]), !isAlpha(b[j]), b[j] != tilde, b[j] != caret { j += 1 }
            let at = i < a.count && a[i] == tilde, bt = j < b.count && b[j] == tilde
            if at && bt { i += 1; j += 1; continue }
            if at { return -1 }
            if bt { return 1 }
            let ac = i < a.count && a[i] == caret, bc = j < b.count && b[j] == caret
            if ac && bc { i += 1; j += 1; continue }
            if ac { return j == b.count ? 1 : -1 }
            if bc { return i == a.count ? -1 : 1 }
            if i == a.count || j == b.count { break }
            let numeric = isDigit(a[i])
            let si = i, sj = j
            while i < a.count, numeric ? isDigit(a[i]) : isAlpha(a[i]) { i += 1 }
            while j < b.count, numeric ? isDigit(b[j]) : isAlpha(b[j]) { j += 1 }
            if sj == j { return numeric ? 1 : -1 }
            let x = String(decoding: a[si..<i], as: UTF8.self), y = String(decoding: b[sj..<j], as: UTF8.self)
            let c = numeric ? DecimalString.compare(x, y) : (x == y ? 0 : (x < y ? -1 : 1))
            if c != 0 { return c }
        }
        let ra = a.count - i, rb = b.count - j
        return ra == rb ? 0 : (ra > rb ? 1 : -1)
    }
}
