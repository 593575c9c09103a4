/// Retention-style selection of one artifact by its tags.
public enum TagCandidate {
    /// An artifact is selected when at least one of its tags passes every tag selector;
    /// `matchingTags` lists those tags in input order. An artifact without tags is
    /// selected only if some tag selector has `untagged` set, mirroring Harbor's
    /// "untagged artifacts" checkbox. Repository selectors (`repoMatches`,
    /// `repoExcludes`) are ignored here because they judge the repository, not tags.
    /// Label selectors judge the artifact's `labels`, never its tags.
    public static func selectsArtifact(tags: [String], labels: Set<String> = [], selectors: [Selector]) -> (selected: Bool, matchingTags: [String]) {
        guard selectors.filter(\.isLabelSelector).allSatisfy({ $0.selects(labels: labels) }) else { return (false, []) }
        let tagSelectors = selectors.filter { !$0.isLabelSelector && !(Selector.Decoration(rawValue: $0.decoration)?.appliesToRepositories ?? false) }
        guard !tags.isEmpty else { return (tagSelectors.contains { $0.untagged }, []) }
        let predicates = tagSelectors.map { $0.predicate() }
        let matching = tags.filter { tag in predicates.allSatisfy { $0?(tag) ?? false } }
        return (!matching.isEmpty, matching)
    }
}
