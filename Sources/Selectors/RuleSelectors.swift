/// The selectors of one Harbor rule (retention and immutability alike): tag selectors, and
/// `scope_selectors` that hold exactly one list, `repository`.
public enum RuleSelectors {
    /// `allowLabels`: retention rules may also select by label; immutability rules may not.
    public static func validate(tags: [Selector], scopes: [String: [Selector]], allowLabels: Bool = false) throws(SelectorError) {
        guard !tags.isEmpty else { throw SelectorError(message: "tag_selectors must name at least one selector") }
        guard let repositories = scopes["repository"], !repositories.isEmpty, scopes.count == 1 else {
            throw SelectorError(message: #"scope_selectors must be {"repository": [selectors]}"#)
        }
        for selector in tags { try selector.validate(repository: false, allowLabels: allowLabels) }
        guard tags.contains(where: { !$0.isLabelSelector }) else {
            throw SelectorError(message: "tag_selectors must name a tag selector besides label selectors")
        }
        for selector in repositories { try selector.validate(repository: true) }
    }
}
