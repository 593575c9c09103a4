import Foundation
import OCI

/// The `/v2/` endpoints, parsed from a request path. Repository names contain slashes, so the
/// path is read from its end, as distribution's router does.
public enum RegistryRoute: Sendable, Equatable {
    case base
    case catalog
    case tags(RepositoryName)
    case manifest(RepositoryName, Reference)
    case blob(RepositoryName, Digest)
    case uploads(RepositoryName)
    case upload(RepositoryName, String)
    case referrers(RepositoryName, Digest)

    public var repository: RepositoryName? {
        switch self {
        case .base, .catalog: nil
        case .tags(let name), .manifest(let name, _), .blob(let name, _), .uploads(let name),
             .upload(let name, _), .referrers(let name, _):
            name
        }
    }

    /// Parses a path like `/v2/library/app/manifests/latest`. Returns nil for paths that are not
    /// registry endpoints; throws when the endpoint is known but its name or reference is invalid.
    public init?(path: String) throws(OCIFormatError) {
        // Decoding only the parts that need it: Foundation's decoder on every part cost 6% of a
        // cached manifest `HEAD`.
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map {
            $0.contains("%") ? String($0).removingPercentEncoding ?? String($0) : String($0)
        }
        if parts.first == "" { parts.removeFirst() }
        guard parts.first == "v2" else { return nil }
        parts.removeFirst()
        if parts.last == "" { parts.removeLast() }
        if parts.isEmpty { self = .base; return }
        if parts == ["_catalog"] { self = .catalog; return }
        guard parts.count >= 3 else { return nil }

        let n = parts.count
        func name(dropping count: Int) throws(OCIFormatError) -> RepositoryName {
            try RepositoryName(parts[0..<(n - count)].joined(separator: "/"))
        }
        if parts[n - 2] == "tags" && parts[n - 1] == "list" {
            self = .tags(try name(dropping: 2))
        } else if parts[n - 2] == "manifests" {
            self = .manifest(try name(dropping: 2), try Reference(parts[n - 1]))
        } else if parts[n - 2] == "referrers" {
            self = .referrers(try name(dropping: 2), try Digest(parsing: parts[n - 1]))
        } else if parts[n - 2] == "blobs" && parts[n - 1] == "uploads" {
            self = .uploads(try name(dropping: 2))
        } else if n >= 4 && parts[n - 3] == "blobs" && parts[n - 2] == "uploads" {
            self = .upload(try name(dropping: 3), parts[n - 1])
        } else if parts[n - 2] == "blobs" {
            self = .blob(try name(dropping: 2), try Digest(parsing: parts[n - 1]))
        } else {
            return nil
        }
    }
}
