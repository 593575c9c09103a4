/// Alpine apk ordering: `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`.
/// Suffix order: alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p. Strings that do not
/// fit the grammar are still ordered (their unparsed tail sorts below a clean end), matching
/// the behaviour the osv-scalibr vectors pin down.
struct ApkVersion {
    struct Number { var digits: Substring; var index: Int }
    var original: String
    var numbers: [Number] = []
    var letter: Character?
    var suffixes: [(weight: Int, number: Substring)] = []
    var build: Substring = "0"
    var remainder: Substring = ""
    var invalid = false

    private static let suffixNames = ["alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"]
    private static let noSuffixWeight = 4

    init(_ text: String) {
        original = text
        var s = Substring(text)
        // number components: digits separated by single dots, a trailing dot consumed
        var index = 0
        while let first = s.first, first.isASCIIDigit {
            let digits = s.prefix { $0.isASCIIDigit }
            numbers.append(Number(digits: digits, index: index))
            index += 1
            s = s.dropFirst(digits.count)
            if s.first == "." { s = s.dropFirst() } else { break }
        }
        if let c = s.first, c >= "a" && c <= "z" { letter = c; s = s.dropFirst() }
        while s.first == "_" {
            let body = s.dropFirst()
            guard let name = Self.suffixNames.filter({ !$0.isEmpty }).sorted(by: { $0.count > $1.count })
                .first(where: { body.hasPrefix($0) }) else { break }
            let afterName = body.dropFirst(name.count)
            let digits = afterName.prefix { $0.isASCIIDigit }
            suffixes.append((Self.suffixNames.firstIndex(of: name)!, digits.isEmpty ? "0" : digits))
            s = afterName.dropFirst(digits.count)
        }
        if s.first == "~" {
            let hex = s.dropFirst().prefix { $0.isHexDigit && !$0.isUppercase }
            if !hex.isEmpty { s = s.dropFirst(1 + hex.count) }
        }
        if !s.isEmpty {
            if s.hasPrefix("-r") {
                let digits = s.dropFirst(2).prefix { $0.isASCIIDigit }
                build = digits.isEmpty ? "0" : digits
                s = s.dropFirst(2 + digits.count)
            } else {
                invalid = true
            }
        }
        remainder = s
    }

    func compare(_ other: ApkVersion) -> Int {
        if invalid && other.invalid { return original == other.original ? 0 : (original < other.original ? -1 : 1) }
        for i in 0..<max(numbers.count, other.numbers.count) {
            let a = i < numbers.count ? numbers[i] : Number(digits: "0", index: 0)
            let b = i < other.numbers.count ? other.numbers[i] : Number(digits: "0", index: 0)
            // After the first component a leading zero means a decimal fraction: compare as text.
            let c: Int
            if a.index != 0 && b.index != 0 && (a.digits.first == "0" || b.digits.first == "0") {
                c = a.digits == b.digits ? 0 : (a.digits < b.digits ? -1 : 1)
            } else {
                c = DecimalString.compare(a.digits, b.digits)
            }
            if c != 0 { return c }
        }
        switch (letter, other.letter) {
        case (nil, .some): return -1
        case (.some, nil): return 1
        case let (x?, y?) where x != y: return x < y ? -1 : 1
        default: break
        }
        for i in 0..<max(suffixes.count, other.suffixes.count) {
            let a: (weight: Int, number: Substring) = i < suffixes.count ? suffixes[i] : (Self.noSuffixWeight, "0")
            let b: (weight: Int, number: Substring) = i < other.suffixes.count ? other.suffixes[i] : (Self.noSuffixWeight, "0")
            if a.weight != b.weight { return a.weight < b.weight ? -1 : 1 }
            let c = DecimalString.compare(a.number, b.number)
            if c != 0 { return c }
        }
        let c = DecimalString.compare(build, other.build)
        if c != 0 { return c }
        if remainder.isEmpty != other.remainder.isEmpty { return remainder.isEmpty ? 1 : -1 }
        return 0
    }
}
