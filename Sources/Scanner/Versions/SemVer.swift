/// SemVer 2.0 ordering as npm, Go (`v` prefix, pseudo-versions) and Cargo use it, tolerant of
/// versions with more or fewer than three numeric parts: numbers beyond the third join the
/// pre-release text, and missing ones count as zero.
struct SemVer {
    var numbers: [Substring] = []
    var suffix: Substring = ""

    init(_ text: String) {
        var s = Substring(text.trimmingWhitespace)
        if s.first == "v" || s.first == "V" { s = s.dropFirst() }
        var extra = ""
        while let c = s.first, c.isASCIIDigit {
            let d = s.prefix { $0.isASCIIDigit }
            if numbers.count < 3 { numbers.append(d) } else { extra += "." + d }
            s = s.dropFirst(d.count)
            if s.first == "." { s = s.dropFirst() } else { break }
        }
        suffix = Substring(extra) + s
    }

    func compare(_ o: SemVer) -> Int {
        for i in 0..<max(numbers.count, o.numbers.count) {
            let c = DecimalString.compare(i < numbers.count ? numbers[i] : "0", i < o.numbers.count ? o.numbers[i] : "0")
            if c != 0 { return c }
        }
        return Self.comparePrerelease(suffix, o.suffix)
    }

    private static func comparePrerelease(_ x: Substring, _ y: Substring) -> Int {
        var a = x.prefix { $0 != "+" }, b = y.prefix { $0 != "+" }
        if a.first == "-" { a = a.dropFirst() }
        if b.first == "-" { b = b.dropFirst() }
        if a.isEmpty != b.isEmpty { return a.isEmpty ? 1 : -1 }
        let pa = a.split(separator: ".", omittingEmptySubsequences: false)
        let pb = b.split(separator: ".", omittingEmptySubsequences: false)
        for (p, q) in zip(pa, pb) {
            let c: Int
            switch (DecimalString.isDigits(p), DecimalString.isDigits(q)) {
            case (true, true): c = DecimalString.compare(p, q)
            case (false, false): c = p == q ? 0 : (p < q ? -1 : 1)
            case (true, false): c = -1
            case (false, true): c = 1
            }
            if c != 0 { return c }
        }
        return (pa.count - pb.count).signum3
    }
}
