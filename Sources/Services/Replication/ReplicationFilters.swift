import Metadata
import OCI
import Selectors

/// A policy's filters, compiled: which repositories and tags it replicates. Harbor's semantics:
/// `name` matches the whole repository name (`library/**`), `tag` each tag, every filter must
/// hold, and `excludes` inverts one. `label` `matches` keeps artifacts carrying all the labels
/// named, `excludes` drops those carrying any; where a source cannot tell an artifact's labels
/// (a remote registry), only exclusions pass.
public struct ReplicationFilters: Sendable {
    struct Pattern: Sendable {
        let pattern: DoublestarPattern
        let excludes: Bool
        func selects(_ text: String) -> Bool { pattern.matches(text) != excludes }
    }

    let names: [Pattern]
    let tags: [Pattern]
    let requiredLabels: [String]
    let excludedLabels: [String]
    /// `image` (container images and their indexes) or `artifact` (anything); nil: anything.
    public let resource: String?

    public static let types = ["name", "tag", "label", "resource"]

    /// Validates as it compiles: an unknown type or decoration, an empty or unparsable pattern is
    /// a `badRequest` naming it.
    public init(_ rules: [ReplicationFilterRule]) throws(ReplicationError) {
        var names: [Pattern] = []
        var tags: [Pattern] = []
        var requiredLabels: [String] = []
        var excludedLabels: [String] = []
        var resource: String?
        for rule in rules {
            let decoration = rule.decoration.isEmpty ? "matches" : rule.decoration
            guard decoration == "matches" || decoration == "excludes" else {
                throw .badRequest("filter \(rule.type): decoration must be matches or excludes, not \(rule.decoration)")
            }
            switch rule.type {
            case "name", "tag":
                guard rule.patterns.count == 1, let text = rule.patterns.first, !text.isEmpty else {
                    throw .badRequest("filter \(rule.type) needs one pattern")
                }
                let pattern: DoublestarPattern
                do { pattern = try DoublestarPattern(text) } catch {
                    throw .badRequest("filter \(rule.type): the pattern \(text) does not parse: \(error)")
                }
                if rule.type == "name" { names.append(Pattern(pattern: pattern, excludes: decoration == "excludes")) }
                else { tags.append(Pattern(pattern: pattern, excludes: decoration == "excludes")) }
            case "label":
                if decoration == "matches" { requiredLabels += rule.patterns } else { excludedLabels += rule.patterns }
            case "resource":
                guard rule.patterns.count == 1, let value = rule.patterns.first, ["image", "artifact"].contains(value) else {
                    throw .badRequest("filter resource must be image or artifact")
                }
                resource = value
            default:
                throw .badRequest("unknown filter type \(rule.type) (known: \(Self.types.joined(separator: ", ")))")
            }
        }
        self.names = names
        self.tags = tags
        self.requiredLabels = requiredLabels
        self.excludedLabels = excludedLabels
        self.resource = resource
    }

    public func selects(repository: String) -> Bool {
        names.allSatisfy { $0.selects(repository) }
    }

    /// Whether the policy looks at labels at all (then each tag's artifact is asked for them).
    public var usesLabels: Bool { !requiredLabels.isEmpty || !excludedLabels.isEmpty }

    /// `labels` nil: the source cannot tell.
    public func selects(labels: [String]?) -> Bool {
        guard usesLabels else { return true }
        guard let labels else { return requiredLabels.isEmpty }
        return requiredLabels.allSatisfy(labels.contains) && !excludedLabels.contains(where: labels.contains)
    }

    public func selects(tag: String) -> Bool {
        tags.allSatisfy { $0.selects(tag) }
    }

    /// Whether an artifact of this kind passes the `resource` filter.
    public func selects(_ manifest: Manifest) -> Bool {
        resource != "image" || manifest.kind == .index || manifest.isContainerImage
    }

    /// The repositories named outright by a lone `matches` name filter without wildcards: no
    /// listing needed (Docker Hub and others offer no `_catalog`).
    public var literalRepositories: [String]? {
        guard names.count == 1, let only = names.first, !only.excludes else { return nil }
        let text = only.pattern.pattern
        guard !text.contains(where: { "*?[]{}\\".contains($0) }) else { return nil }
        return [text]
    }
}

/// Harbor's destination naming: `dest_namespace` replaces the first `replaceCount` components of
/// the source name (all but the last when it equals their number, nothing when 0: prefixed);
/// -1 is Harbor's legacy mode, where the namespace replaces the first component only.
public enum DestinationNaming {
    public static func destination(of repository: String, namespace: String, replaceCount: Int) throws(ReplicationError) -> String {
        guard !namespace.isEmpty else { return repository }
        let components = repository.split(separator: "/").map(String.init)
        if replaceCount < 0 {
            let rest = components.count > 1 ? components.dropFirst().joined(separator: "/") : repository
            return namespace + "/" + rest
        }
        switch replaceCount {
        case 0: return namespace + "/" + repository
        case components.count: return namespace + "/" + components[components.count - 1]
        case ..<components.count: return namespace + "/" + components.dropFirst(replaceCount).joined(separator: "/")
        default:
            throw .failed("the repository \(repository) has \(components.count) path components, fewer than dest_namespace_replace_count \(replaceCount)")
        }
    }
}
