/// The kinds of remote registry Berth replicates with (Harbor's adapter types), and what each
/// declares in `/replication/adapterinfos` and `/registries/{id}/info`.
public enum RegistryAdapter: String, CaseIterable, Sendable {
    case harbor
    case dockerRegistry = "docker-registry"
    case dockerHub = "docker-hub"
    case githubGHCR = "github-ghcr"
    case quay

    /// The address a registry of this kind lives at when it has one (the portal fills it in);
    /// configurable all the same, so a local stand-in can be tested.
    public var defaultURL: String? {
        switch self {
        case .dockerHub: "https://registry-1.docker.io"
        case .githubGHCR: "https://ghcr.io"
        case .quay: "https://quay.io"
        case .harbor, .dockerRegistry: nil
        }
    }

    public var description: String {
        switch self {
        case .harbor: "Harbor or Berth: projects through /api/v2.0, content through /v2/"
        case .dockerRegistry: "any OCI distribution registry (_catalog and tags/list for discovery)"
        case .dockerHub: "Docker Hub (official images under library/)"
        case .githubGHCR: "GitHub Container Registry"
        case .quay: "Quay"
        }
    }

    /// Harbor pushes events only to registries it can tell about them; any target can take a push.
    public var supportedTriggers: [String] {
        ["manual", "scheduled", "event_based"]
    }

    /// Filters the adapter supports: labels where the other side is a Harbor (or Berth), as in
    /// Harbor; they are read from this registry's artifacts in push mode.
    public var supportedFilters: [(type: String, style: String, values: [String])] {
        var filters: [(String, String, [String])] = [("name", "input", []), ("tag", "input", [])]
        if self == .harbor { filters.append(("label", "list", [])) }
        filters.append(("resource", "radio", ["image", "artifact"]))
        return filters
    }
}
