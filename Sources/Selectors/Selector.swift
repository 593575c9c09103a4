import Foundation

/// Harbor's selector record (`{kind, decoration, pattern, extras}`), as stored in
/// retention and immutability rules. Fields stay plain strings so any JSON Harbor wrote
/// round-trips unchanged; `validate(repository:)` is where unknown values are refused.
public struct Selector: Codable, Sendable, Equatable {
    /// Decorations Harbor defines for doublestar selectors; the `repo` ones apply to
    /// repository names, the others to tags.
    public enum Decoration: String, Sendable, CaseIterable {
        case matches, excludes, repoMatches, repoExcludes

        public var appliesToRepositories: Bool { self == .repoMatches || self == .repoExcludes }
        public var excludes: Bool { self == .excludes || self == .repoExcludes }
    }

    public static let doublestarKind = "doublestar"
    /// Retention's label selectors: `withLabels` (the artifact carries every label named in the
    /// comma-separated pattern) and `withoutLabels` (it carries none of them), as in Harbor.
    public static let labelKind = "label"
    public static let labelDecorations = ["withLabels", "withoutLabels"]

    var isLabelSelector: Bool { kind == Self.labelKind }

    /// The label names of a label selector.
    public var labelNames: [String] {
        pattern.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Whether an artifact carrying `labels` passes this label selector.
    func selects(labels: Set<String>) -> Bool {
        let names = labelNames
        switch decoration {
        case "withLabels": return names.allSatisfy(labels.contains)
        case "withoutLabels": return !names.contains(where: labels.contains)
        default: return false
        }
    }

    public var kind: String
    public var decoration: String
    public var pattern: String
    /// A JSON document in a string, e.g. `{"untagged":true}`, because Harbor stores it so.
    public var extras: String?

    public init(kind: String = Selector.doublestarKind, decoration: String, pattern: String, extras: String? = nil) {
        self.kind = kind
        self.decoration = decoration
        self.pattern = pattern
        self.extras = extras
    }

    public init(_ decoration: Decoration, pattern: String, untagged: Bool? = nil) {
        self.init(decoration: decoration.rawValue, pattern: pattern, extras: untagged.map { "{\"untagged\":\($0)}" })
    }

    /// Harbor's "untagged artifacts" checkbox. Missing, malformed or non-boolean extras
    /// read as `false`, so a damaged record never widens what a rule touches.
    public var untagged: Bool {
        struct Extras: Decodable { var untagged: Bool? }
        guard let data = extras?.data(using: .utf8),
              let parsed = try? JSONDecoder().decode(Extras.self, from: data) else { return false }
        return parsed.untagged ?? false
    }

    public func validate(repository: Bool, allowLabels: Bool = false) throws(SelectorError) {
        if allowLabels, !repository, kind == Self.labelKind {
            guard Self.labelDecorations.contains(decoration) else {
                throw SelectorError(message: "invalid label selector decoration \"\(decoration)\"; expected withLabels or withoutLabels")
            }
            guard !labelNames.isEmpty else { throw SelectorError(message: "a label selector names at least one label") }
            return
        }
        guard kind == Self.doublestarKind else {
            throw SelectorError(message: "unsupported selector kind \"\(kind)\"; only \"doublestar\" is supported")
        }
        guard let known = Decoration(rawValue: decoration), known.appliesToRepositories == repository else {
            let expected = repository ? "repoMatches or repoExcludes" : "matches or excludes"
            let target = repository ? "repository" : "tag"
            throw SelectorError(message: "invalid \(target) selector decoration \"\(decoration)\"; expected \(expected)")
        }
        _ = try DoublestarPattern(pattern)
    }

    /// Whether `name` passes this selector. An empty pattern matches every name, as in
    /// Harbor's selector (not doublestar itself). A selector that would fail validation
    /// selects nothing, whatever its decoration, so broken rules fail closed.
    public func selects(_ name: String) -> Bool {
        predicate()?(name) ?? false
    }

    /// Harbor chains the selectors of a rule, so a name must pass all of them; an empty
    /// list selects everything.
    public static func selects(_ name: String, by selectors: [Selector]) -> Bool {
        let predicates = selectors.map { $0.predicate() }
        return predicates.allSatisfy { $0?(name) ?? false }
    }

    /// Compiles once so callers testing many names do not re-parse the pattern.
    func predicate() -> (@Sendable (String) -> Bool)? {
        guard kind == Self.doublestarKind, let known = Decoration(rawValue: decoration) else { return nil }
        let excludes = known.excludes
        if pattern.isEmpty { return { _ in !excludes } }
        guard let compiled = try? DoublestarPattern(pattern) else { return nil }
        return { compiled.matches($0) != excludes }
    }
}
