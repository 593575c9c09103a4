extension StringProtocol {
    /// Without leading and trailing spaces and tabs: the whitespace HTTP allows around header
    /// values and their parts. Foundation's `trimmingCharacters(in: .whitespaces)` does the same
    /// through `CharacterSet` and cost 4% of a cached manifest `HEAD`.
    public var trimmingSpacesAndTabs: SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
