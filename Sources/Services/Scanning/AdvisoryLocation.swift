import Foundation
import OCI
import RemoteRegistry

/// Where advisories come from: a local path (a directory, `all.zip`, a secdb file), a file over
/// HTTP(S) (osv.dev's `all.zip` or a mirror of it), or an OCI artifact in a registry whose layers
/// are such files, the way air-gapped sites mirror scanner databases:
///
///     /srv/osv                                   a path (the command line only)
///     https://mirror.example.com/osv/all.zip     a file
///     oci://registry.example.com/vulndb/osv:2026-12-01       an artifact over HTTPS
///     oci+http://127.0.0.1:5000/vulndb/osv@sha256:...        the same over plain HTTP
public enum AdvisoryLocation: Sendable, Equatable, CustomStringConvertible {
    case path(String)
    case file(url: String)
    case artifact(endpoint: String, repository: RepositoryName, reference: Reference)

    public init(_ text: String) throws {
        let lowered = text.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            guard let url = URL(string: text), url.host != nil, url.user == nil else {
                throw RemoteError.badLocation("\(text) is not a URL of a file (and credentials belong in vulndb.username and vulndb.password, not in the URL)")
            }
            self = .file(url: text)
        } else if lowered.hasPrefix("oci://") || lowered.hasPrefix("oci+http://") {
            let secure = lowered.hasPrefix("oci://")
            let rest = text.dropFirst(secure ? "oci://".count : "oci+http://".count)
            guard let slash = rest.firstIndex(of: "/"), slash > rest.startIndex else {
                throw RemoteError.badLocation("\(text) names no repository: write oci://HOST/REPOSITORY:TAG or @DIGEST")
            }
            let host = rest[..<slash]
            guard !host.contains("@"), URL(string: "http://\(host)")?.host != nil else {
                throw RemoteError.badLocation("\(host) is not a registry host[:port]")
            }
            var name = String(rest[rest.index(after: slash)...])
            var reference = "latest"
            if let at = name.firstIndex(of: "@") {
                reference = String(name[name.index(after: at)...])
                name = String(name[..<at])
            } else if let colon = name.lastIndex(of: ":") {
                reference = String(name[name.index(after: colon)...])
                name = String(name[..<colon])
            }
            do {
                self = .artifact(endpoint: (secure ? "https://" : "http://") + host, repository: try RepositoryName(name), reference: try Reference(reference))
            } catch {
                throw RemoteError.badLocation("\(text): \(error)")
            }
        } else if lowered.contains("://") {
            throw RemoteError.badLocation("\(text): only http(s)://, oci:// and oci+http:// locations are understood")
        } else {
            guard !text.isEmpty else { throw RemoteError.badLocation("an empty location") }
            self = .path(text)
        }
    }

    public var isRemote: Bool {
        if case .path = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .path(let path): path
        case .file(let url): url
        case .artifact(let endpoint, let repository, let reference):
            (endpoint.hasPrefix("https://") ? "oci://" + endpoint.dropFirst("https://".count) : "oci+http://" + endpoint.dropFirst("http://".count))
                + "/\(repository)" + (reference.isDigest ? "@" : ":") + reference.description
        }
    }
}

extension Reference {
    var isDigest: Bool {
        if case .digest = self { return true }
        return false
    }
}
