/// A compiled glob with the semantics of `bmatcuk/doublestar` v4 `Match`, which
/// Harbor uses for repository and tag selectors in retention and immutability rules.
///
/// - `*` matches any run of characters other than `/`; `?` matches one such character.
/// - `**` forming a whole path component (start or `/` before it, `/` or the end after
///   it) matches zero or more components, so `a/**/b` matches `a/b` and `a/x/y/b`, and a
///   trailing `/**` also matches the parent itself (`a/**` matches `a`). Anywhere else
///   `**` behaves like `*`, as with bash's globstar (`release-**` equals `release-*`).
/// - `[abc]`, `[a-z]`, `[!x]` / `[^x]` are character classes; `{a,b}` alternatives may
///   nest and hold wildcards; `\` makes the next character literal.
///
/// Alternatives behave as if expanded textually, so `{**,x}/y` treats `**` as a
/// component. Matching runs a Thompson-style NFA over Unicode scalars, so cost is
/// bounded by pattern size times text length; doublestar's own backtracker differs only
/// in corner cases where the text runs out first (it rejects `**/*` against "").
public struct DoublestarPattern: Sendable, Hashable {
    public let pattern: String
    private let program: DoublestarProgram

    public init(_ pattern: String) throws(SelectorError) {
        var parser = DoublestarParser(source: pattern)
        self.pattern = pattern
        self.program = try parser.parse()
    }

    public func matches(_ text: String) -> Bool {
        program.run(Array(text.unicodeScalars))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.pattern == rhs.pattern }

    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}
