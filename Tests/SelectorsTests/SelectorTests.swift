import Foundation
import Testing
@testable import Selectors

@Test func decodesHarborJSON() throws {
    let json = #"{"kind":"doublestar","decoration":"repoMatches","pattern":"library/**","extras":"{\"untagged\":true}"}"#
    let selector = try JSONDecoder().decode(Selector.self, from: Data(json.utf8))
    #expect(selector == Selector(decoration: "repoMatches", pattern: "library/**", extras: #"{"untagged":true}"#))
    #expect(selector.untagged)
    let bare = try JSONDecoder().decode(Selector.self, from: Data(#"{"kind":"doublestar","decoration":"matches","pattern":"**"}"#.utf8))
    #expect(bare.extras == nil)
    let roundTrip = try JSONDecoder().decode(Selector.self, from: JSONEncoder().encode(selector))
    #expect(roundTrip == selector)
}

@Test(arguments: [
    (#"{"untagged":true}"#, true),
    (#"{ "untagged" : true, "other": 1 }"#, true),
    (#"{"untagged":false}"#, false),
    (#"{}"#, false),
    (#"{"untagged":"true"}"#, false),
    (#"{"untagged":1}"#, false),
    ("", false),
    ("not json", false),
    ("[true]", false),
] as [(String?, Bool)] + [(nil, false)])
func untaggedFromExtras(_ extras: String?, _ expected: Bool) {
    #expect(Selector(decoration: "matches", pattern: "**", extras: extras).untagged == expected)
}

@Test func convenienceInitWritesExtras() {
    #expect(Selector(.matches, pattern: "**", untagged: true).extras == #"{"untagged":true}"#)
    #expect(Selector(.excludes, pattern: "**", untagged: false).untagged == false)
    #expect(Selector(.repoMatches, pattern: "**").extras == nil)
}

@Test func validateAcceptsMatchingScope() throws {
    try Selector(.matches, pattern: "v*").validate(repository: false)
    try Selector(.excludes, pattern: "").validate(repository: false)
    try Selector(.repoMatches, pattern: "library/**").validate(repository: true)
    try Selector(.repoExcludes, pattern: "{a,b}/*").validate(repository: true)
}

@Test func validateRejects() {
    #expect(throws: SelectorError(message: #"unsupported selector kind "regex"; only "doublestar" is supported"#)) {
        try Selector(kind: "regex", decoration: "matches", pattern: ".*").validate(repository: false)
    }
    #expect(throws: SelectorError(message: #"invalid tag selector decoration "repoMatches"; expected matches or excludes"#)) {
        try Selector(.repoMatches, pattern: "**").validate(repository: false)
    }
    #expect(throws: SelectorError(message: #"invalid repository selector decoration "matches"; expected repoMatches or repoExcludes"#)) {
        try Selector(.matches, pattern: "**").validate(repository: true)
    }
    #expect(throws: SelectorError(message: #"invalid repository selector decoration "nsMatches"; expected repoMatches or repoExcludes"#)) {
        try Selector(decoration: "nsMatches", pattern: "**").validate(repository: true)
    }
    #expect(throws: SelectorError(message: #"invalid pattern "v{1,2": unclosed '{' at position 1"#)) {
        try Selector(.matches, pattern: "v{1,2").validate(repository: false)
    }
}

@Test func decorationSemantics() {
    #expect(Selector(.matches, pattern: "v*").selects("v1"))
    #expect(!Selector(.matches, pattern: "v*").selects("latest"))
    #expect(!Selector(.excludes, pattern: "v*").selects("v1"))
    #expect(Selector(.excludes, pattern: "v*").selects("latest"))
    #expect(Selector(.repoMatches, pattern: "library/*").selects("library/nginx"))
    #expect(!Selector(.repoMatches, pattern: "library/*").selects("library/a/nginx"))
    #expect(!Selector(.repoExcludes, pattern: "library/**").selects("library/a/nginx"))
    #expect(Selector(.repoExcludes, pattern: "library/**").selects("tools/nginx"))
}

@Test func emptyPatternFollowsHarbor() {
    #expect(Selector(.matches, pattern: "").selects("anything"))
    #expect(!Selector(.excludes, pattern: "").selects("anything"))
}

@Test func unusableSelectorsSelectNothing() {
    #expect(!Selector(.matches, pattern: "[").selects("["))
    #expect(!Selector(.excludes, pattern: "[").selects("x"))
    #expect(!Selector(kind: "regex", decoration: "matches", pattern: "**").selects("x"))
    #expect(!Selector(decoration: "Matches", pattern: "**").selects("x"))
}

@Test func selectorListIsConjunction() {
    let selectors = [Selector(.repoMatches, pattern: "library/**"), Selector(.repoExcludes, pattern: "**/test-*")]
    #expect(Selector.selects("library/nginx", by: selectors))
    #expect(!Selector.selects("library/ci/test-runner", by: selectors))
    #expect(!Selector.selects("tools/nginx", by: selectors))
    #expect(Selector.selects("whatever", by: []))
    #expect(!Selector.selects("library/x", by: selectors + [Selector(.repoMatches, pattern: "{")]))
}
