import Foundation
import Metadata
import Selectors
import Testing
@testable import Services

/// The templates and Harbor's `or` algorithm on hand-made candidates.
@Suite struct RetentionTemplateTests {
    static let day: Int64 = 86_400_000
    static let now: Int64 = 1_800_000_000_000

    static func candidate(_ id: Int64, tags: [String], pushedDaysAgo: Int64, pulledDaysAgo: Int64? = nil) -> RetentionCandidate {
        RetentionCandidate(id: id, digest: "sha256:\(id)", tags: tags, pushedAt: now - pushedDaysAgo * day,
                           pulledAt: pulledDaysAgo.map { now - $0 * day })
    }

    static let candidates = [
        candidate(1, tags: ["v1"], pushedDaysAgo: 30, pulledDaysAgo: 1),
        candidate(2, tags: ["v2"], pushedDaysAgo: 20),
        candidate(3, tags: ["v3", "latest"], pushedDaysAgo: 2, pulledDaysAgo: 10),
        candidate(4, tags: [], pushedDaysAgo: 1),
        candidate(5, tags: ["dev-1"], pushedDaysAgo: 5, pulledDaysAgo: 3),
    ]

    static func rule(_ template: RetentionTemplate, _ value: Int = 0, tags: String = "**", decoration: Selector.Decoration = .matches,
                     untagged: Bool = false) -> RetentionRule {
        RetentionRule(template: template.rawValue, params: [template.rawValue: RetentionParameter(value)],
                      tag_selectors: [Selector(decoration, pattern: tags, untagged: untagged)],
                      scope_selectors: ["repository": [Selector(.repoMatches, pattern: "**")]])
    }

    func kept(_ rules: [RetentionRule], protected: Set<String> = []) -> [Int64] {
        let decision = RetentionDecision.decide(Self.candidates, rules: rules.enumerated().map { ($0.offset + 1, $0.element) },
                                                protected: protected, now: Self.now)
        return (decision.retained.map(\.candidate.id) + decision.immutable.map(\.id)).sorted()
    }

    @Test func eachTemplate() {
        #expect(kept([Self.rule(.latestPushedK, 2)]) == [3, 5], "untagged 4 is not a candidate of a tag selector without untagged")
        #expect(kept([Self.rule(.latestPushedK, 2, untagged: true)]) == [3, 4])
        #expect(kept([Self.rule(.latestPulledN, 2)]) == [1, 5])
        #expect(kept([Self.rule(.latestActiveK, 2)]) == [1, 3])
        #expect(kept([Self.rule(.nDaysSinceLastPush, 7)]) == [3, 5])
        #expect(kept([Self.rule(.nDaysSinceLastPull, 5)]) == [1, 5])
        #expect(kept([Self.rule(.lastXDays, 4)]) == [1, 3, 5])
        #expect(kept([Self.rule(.always)]) == [1, 2, 3, 5])
    }

    @Test func selectorsAndTheOrAlgorithm() {
        #expect(kept([Self.rule(.always, tags: "v*")]) == [1, 2, 3])
        #expect(kept([Self.rule(.always, tags: "dev-*", decoration: .excludes)]) == [1, 2, 3])
        #expect(kept([Self.rule(.latestPushedK, 1, tags: "v*"), Self.rule(.always, tags: "dev-*")]) == [3, 5])
        #expect(kept([Self.rule(.latestPushedK, 1, tags: "v*")], protected: ["v1"]) == [1, 3], "immutable v1 stays")
        var disabled = Self.rule(.always)
        disabled.disabled = true
        #expect(!disabled.covers(repository: "app"))
    }
}
