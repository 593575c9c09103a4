import Testing
@testable import Selectors

@Test func selectsWhenSomeTagPasses() {
    let result = TagCandidate.selectsArtifact(tags: ["latest", "v1.2", "v1.3"], selectors: [Selector(.matches, pattern: "v1.*")])
    #expect(result.selected)
    #expect(result.matchingTags == ["v1.2", "v1.3"])
}

@Test func rejectsWhenNoTagPasses() {
    let result = TagCandidate.selectsArtifact(tags: ["latest", "dev"], selectors: [Selector(.matches, pattern: "v*")])
    #expect(!result.selected)
    #expect(result.matchingTags.isEmpty)
}

@Test func oneTagMustPassEverySelector() {
    let selectors = [Selector(.matches, pattern: "v*"), Selector(.excludes, pattern: "*-rc")]
    #expect(TagCandidate.selectsArtifact(tags: ["v2-rc", "v1"], selectors: selectors).matchingTags == ["v1"])
    #expect(!TagCandidate.selectsArtifact(tags: ["v2-rc", "latest"], selectors: selectors).selected)
}

@Test func excludesSelectsOtherTags() {
    let result = TagCandidate.selectsArtifact(tags: ["latest", "stable", "v1"], selectors: [Selector(.excludes, pattern: "{latest,stable}")])
    #expect(result == (true, ["v1"]))
}

@Test func untaggedNeedsTheCheckbox() {
    #expect(!TagCandidate.selectsArtifact(tags: [], selectors: [Selector(.matches, pattern: "**")]).selected)
    #expect(!TagCandidate.selectsArtifact(tags: [], selectors: [Selector(.matches, pattern: "**", untagged: false)]).selected)
    #expect(!TagCandidate.selectsArtifact(tags: [], selectors: []).selected)
    let ticked = TagCandidate.selectsArtifact(tags: [], selectors: [Selector(.matches, pattern: "v*", untagged: true)])
    #expect(ticked == (true, []))
    let anyTicked = [Selector(.matches, pattern: "v*"), Selector(.excludes, pattern: "dev", untagged: true)]
    #expect(TagCandidate.selectsArtifact(tags: [], selectors: anyTicked).selected)
}

@Test func untaggedFlagDoesNotAffectTaggedArtifacts() {
    let result = TagCandidate.selectsArtifact(tags: ["dev"], selectors: [Selector(.matches, pattern: "v*", untagged: true)])
    #expect(!result.selected)
}

@Test func emptySelectorListSelectsEveryTag() {
    #expect(TagCandidate.selectsArtifact(tags: ["a", "b"], selectors: []) == (true, ["a", "b"]))
}

@Test func repositorySelectorsAreIgnored() {
    let selectors = [Selector(.repoMatches, pattern: "library/**"), Selector(.matches, pattern: "v*")]
    #expect(TagCandidate.selectsArtifact(tags: ["v1"], selectors: selectors) == (true, ["v1"]))
    #expect(!TagCandidate.selectsArtifact(tags: [], selectors: [Selector(.repoMatches, pattern: "**", untagged: true)]).selected)
}

@Test func brokenTagSelectorSelectsNothing() {
    #expect(!TagCandidate.selectsArtifact(tags: ["v1"], selectors: [Selector(.matches, pattern: "v[")]).selected)
    #expect(!TagCandidate.selectsArtifact(tags: ["v1"], selectors: [Selector(decoration: "bogus", pattern: "**")]).selected)
}
