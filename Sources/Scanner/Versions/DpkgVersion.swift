/// Debian policy 5.6.12 ordering: `[epoch:]upstream[-revision]`, compared with dpkg's `verrevcmp`
/// where `~` sorts before everything, even the end of the string.
enum DpkgVersion {
    static func compare(_ a: String, _ b: String) -> Int {
        let x = split(a), y = split(b)
        let e = DecimalString.compare(x.epoch, y.epoch)
        if e != 0 { return e }
        let u = verrevcmp(Array(x.upstream.utf8), Array(y.upstream.utf8))
        if u != 0 { return u }
        return verrevcmp(Array(x.revision.utf8), Array(y.revision.utf8))
    }

    static func split(_ version: String) -> (epoch: String, upstream: String, revision: String) {
        var rest = Substring(version.trimmingWhitespace)
        var epoch = "0"
        if let colon = rest.firstIndex(of: ":"), DecimalString.isDigits(rest[..<colon]) {
            epoch = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        if let dash = rest.lastIndex(of: "-") {
            return (epoch, String(rest[..<dash]), String(rest[rest.index(after: dash)...]))
        }
        return (epoch, String(rest), "0")
    }

    private static func order(_ c: UInt8) -> Int {
        if c == UInt8(ascii: "~") { return -1 }
        if c >= 0x30 && c <= 0x39 { return 0 }
        if (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) { return Int(c) }
        return Int(c) + 256
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func verrevcmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0, j = 0
        while i < a.count || j < b.count {
            var firstDiff = 0
            while (i < a.count && !isDigit(a[i])) || (j < b.count && !isDigit(b[j])) {
                let ac = i < a.count ? order(a[i]) : 0
                let bc = j < b.count ? order(b[j]) : 0
                if ac != bc { return (ac - bc).signum3 }
                i += 1; j += 1
            }
            while i < a.count && a[i] == 0x30 { i += 1 }
            while j < b.count && b[j] == 0x30 { j += 1 }
            while i < a.count && isDigit(a[i]) && j < b.count && isDigit(b[j]) {
                if firstDiff == 0 { firstDiff = Int(a[i]) - Int(b[j]) }
                i += 1; j += 1
            }
            if i < a.count && isDigit(a[i]) { return 1 }
            if j < b.count && isDigit(b[j]) { return -1 }
            if firstDiff != 0 { return firstDiff.signum3 }
        }
        return 0
    }
}

extension StringProtocol {
    var trimmingWhitespace: Substring {
        let s = self.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        var end = s.endIndex
        while end > s.startIndex, let c = s[s.index(before: end)...].first, c == " " || c == "\t" || c == "\n" || c == "\r" {
            end = s.index(before: end)
        }
        return Substring(s[..<end])
    }
}
