import Metadata
import Selectors

/// What retention does to one repository: the artifacts some rule keeps (and why), those it would
/// delete but an immutable tag protects, and those it deletes.
public struct RetentionDecision: Sendable {
    public var retained: [(candidate: RetentionCandidate, rule: Int)] = []
    public var immutable: [RetentionCandidate] = []
    public var deleted: [RetentionCandidate] = []

    /// Harbor's `or` algorithm over the rules that cover the repository (`rules` are numbered from 1
    /// in the policy); `protected` are the tags immutability protects.
    public static func decide(_ candidates: [RetentionCandidate], rules: [(number: Int, rule: RetentionRule)],
                              protected: Set<String>, now: Int64) -> RetentionDecision {
        var keptBy: [Int64: Int] = [:]
        for (number, rule) in rules {
            guard let template = RetentionTemplate(rawValue: rule.template) else { continue }
            let selected = candidates.filter { TagCandidate.selectsArtifact(tags: $0.tags, labels: Set($0.labels), selectors: rule.tag_selectors).selected }
            for id in template.retain(selected, parameter: rule.parameter ?? 0, now: now) where keptBy[id] == nil {
                keptBy[id] = number
            }
        }
        var decision = RetentionDecision()
        for candidate in candidates {
            if let rule = keptBy[candidate.id] {
                decision.retained.append((candidate, rule))
            } else if candidate.tags.contains(where: protected.contains) {
                decision.immutable.append(candidate)
            } else {
                decision.deleted.append(candidate)
            }
        }
        return decision
    }
}
