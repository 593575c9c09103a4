import Testing
@testable import Selectors

struct Vector: CustomTestStringConvertible, Sendable {
    let pattern: String
    let text: String
    let expected: Bool
    init(_ pattern: String, _ text: String, _ expected: Bool) {
        self.pattern = pattern
        self.text = text
        self.expected = expected
    }
    var testDescription: String { "\(pattern) ~ \"\(text)\" -> \(expected)" }
}

let vectors: [Vector] = [
    // literals and the empty pattern
    .init("", "", true), .init("", "a", false),
    .init("nginx", "nginx", true), .init("nginx", "Nginx", false), .init("nginx", "nginx2", false),
    .init("a,b", "a,b", true),
    // single star and question mark
    .init("*", "", true), .init("*", "abc", true), .init("*", "a/b", false),
    .init("v1.*", "v1.2.3", true), .init("v1.*", "v1.", true), .init("v1.*", "v10", false),
    .init("*-dev", "1.0-dev", true), .init("*-dev", "x/1.0-dev", false),
    .init("a*a*a*b", "aaxaab", true), .init("a*a*a*b", "aab", false),
    .init("release-?", "release-1", true), .init("release-?", "release-10", false),
    .init("release-?", "release-", false), .init("release-?", "release-/", false),
    .init("?", "é", true), .init("??", "é", false),
    // doublestar as a component
    .init("**", "", true), .init("**", "latest", true), .init("**", "a/b/c", true),
    .init("library/**", "library/a", true), .init("library/**", "library/a/b", true),
    .init("library/**", "library", true), .init("library/**", "library/", true),
    .init("library/**", "libraryx", false), .init("library/**", "other/a", false),
    .init("**/app", "app", true), .init("**/app", "x/y/app", true), .init("**/app", "/app", true),
    .init("**/app", "x/yapp", false), .init("**/app", "app/x", false),
    .init("a/**/b", "a/b", true), .init("a/**/b", "a/x/y/b", true), .init("a/**/b", "a/xb", false),
    .init("a/**/", "a/b/", true), .init("a/**/", "a", true), .init("a/**/", "a/b", false),
    .init("**/**/x", "x", true), .init("**/**/x", "p/q/x", true),
    .init("**/*", "a/b", true), .init("**/nginx*", "prod/web/nginx-alpine", true),
    .init("*/nginx", "library/nginx", true), .init("*/nginx", "a/b/nginx", false), .init("*/nginx", "nginx", false),
    // doublestar not forming a component acts as a single star
    .init("release-**", "release-2024", true), .init("release-**", "release-", true),
    .init("release-**", "release-a/b", false),
    .init("**.txt", "a.txt", true), .init("**.txt", "a/b.txt", false),
    .init("x**/y", "xab/y", true), .init("x**/y", "xa/b/y", false),
    .init("***", "abc", true), .init("***", "a/b", false),
    // character classes
    .init("[abc]", "b", true), .init("[abc]", "d", false),
    .init("[a-z]", "q", true), .init("[a-z]", "Q", false),
    .init("[0-9]*", "1.2", true), .init("[0-9]*", "9", true), .init("[0-9]*", "v1", false), .init("[0-9]*", "", false),
    .init("[!x]", "y", true), .init("[!x]", "x", false), .init("[^x]", "y", true), .init("[^x]", "x", false),
    .init("[!a-c]", "d", true), .init("[!a-c]", "b", false),
    .init("[-a]", "-", true), .init("[a-]", "-", true), .init("[a-c-e]", "-", true),
    .init("[a-c-e]", "e", true), .init("[a-c-e]", "d", false),
    .init("[\\]]", "]", true), .init("[\\!a]", "!", true), .init("[a\\-c]", "b", false),
    .init("[z-a]", "m", false), .init("[é]", "é", true), .init("a[/]b", "a/b", true),
    // escapes
    .init("\\*", "*", true), .init("\\*", "a", false), .init("a\\?b", "a?b", true), .init("a\\?b", "axb", false),
    .init("\\[x\\]", "[x]", true), .init("\\{a,b\\}", "{a,b}", true), .init("\\{a,b\\}", "a", false),
    .init("a\\\\b", "a\\b", true), .init("\\**", "*xyz", true), .init("\\**", "xyz", false),
    // alternatives
    .init("{latest,stable}", "latest", true), .init("{latest,stable}", "stable", true),
    .init("{latest,stable}", "dev", false), .init("{latest,stable}", "lateststable", false),
    .init("v{1,2}.*", "v1.0", true), .init("v{1,2}.*", "v2.13", true), .init("v{1,2}.*", "v3.0", false),
    .init("{v*,release-?}", "v1.0", true), .init("{v*,release-?}", "release-9", true),
    .init("{v*,release-?}", "rc1", false), .init("{*.tar,[0-9]*}", "7z", true),
    .init("{a,b{c,d}}", "bd", true), .init("{a,b{c,d}}", "a", true), .init("{a,b{c,d}}", "b", false),
    .init("x{a,{b,c{d,e}}}y", "xcey", true), .init("x{a,{b,c{d,e}}}y", "xcy", false),
    .init("a{,b}", "a", true), .init("a{,b}", "ab", true), .init("{}", "", true), .init("{}x", "x", true),
    .init("{a/**,b}", "a/x/y", true), .init("{a/**,b}", "b/x", false),
    .init("{**,x}/y", "p/q/y", true), .init("{library,tools}/**", "tools/a/b", true),
]

@Test(arguments: vectors)
func patternVector(_ vector: Vector) throws {
    let pattern = try DoublestarPattern(vector.pattern)
    #expect(pattern.matches(vector.text) == vector.expected)
}

@Test(arguments: [
    ("[abc", "invalid pattern \"[abc\": unclosed '[' at position 0"),
    ("a[", "invalid pattern \"a[\": unclosed '[' at position 1"),
    ("[a\\", "invalid pattern \"[a\\\": unclosed '[' at position 0"),
    ("[]", "invalid pattern \"[]\": empty character class at position 0"),
    ("x[!]", "invalid pattern \"x[!]\": empty character class at position 1"),
    ("{a,b", "invalid pattern \"{a,b\": unclosed '{' at position 0"),
    ("{a,{b}", "invalid pattern \"{a,{b}\": unclosed '{' at position 0"),
    ("a}", "invalid pattern \"a}\": unmatched '}' at position 1"),
    ("abc\\", "invalid pattern \"abc\\\": trailing '\\' at position 3"),
])
func malformedPattern(_ pattern: String, _ message: String) {
    #expect(throws: SelectorError(message: message)) { try DoublestarPattern(pattern) }
}

@Test func pathologicalInputsFinish() throws {
    let longA = String(repeating: "a", count: 20_000)
    #expect(try DoublestarPattern("a*a*a*a*a*a*a*a*a*a*b").matches(longA) == false)
    #expect(try DoublestarPattern("a*a*a*a*a*a*a*a*a*a*").matches(longA))
    let deep = String(repeating: "a/", count: 5_000) + "b"
    #expect(try DoublestarPattern("**/**/**/**/**/**/c").matches(deep) == false)
    #expect(try DoublestarPattern("**/a/**/a/**/b").matches(deep))
    let optional = String(repeating: "{,a}", count: 40) + "b"
    #expect(try DoublestarPattern(optional).matches(String(repeating: "a", count: 41)) == false)
    #expect(try DoublestarPattern(optional).matches(String(repeating: "a", count: 40) + "b"))
}

@Test func equalityFollowsSource() throws {
    #expect(try DoublestarPattern("v*") == DoublestarPattern("v*"))
    #expect(try DoublestarPattern("v*") != DoublestarPattern("v?"))
    #expect(try Set([DoublestarPattern("a"), DoublestarPattern("a")]).count == 1)
}
