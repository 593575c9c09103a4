import Metadata
import OCI
import Registry
import RemoteRegistry
import Services

/// The registry's `PullThroughCache`, answered by the proxy-cache service. Upstream failures with
/// nothing cached get their own answers: 404 only when the upstream says so, 429 when it is
/// rate-limited, 502 when it cannot be used, each with the upstream's reason.
struct ProxyPullThrough: PullThroughCache {
    let cache: ProxyCache

    func manifest(_ repository: RepositoryName, reference: Reference, project: Project, pull: AuditEvent?, head: Bool) async throws -> ProxiedManifest? {
        do {
            switch try await cache.manifest(repository, reference: reference, project: project, pull: pull, head: head) {
            case .local: return nil
            case .upstream(let fetched):
                return ProxiedManifest(bytes: fetched.bytes, size: Int64(fetched.bytes.count), mediaType: fetched.mediaType, digest: fetched.digest)
            case .upstreamHead(let digest, let mediaType, let size):
                return ProxiedManifest(bytes: nil, size: size, mediaType: mediaType, digest: digest)
            }
        } catch .notFound {
            throw RegistryError(.manifestUnknown, "manifest \(reference) not found in \(repository) nor in its upstream registry")
        } catch {
            throw Self.registryError(error, what: "manifest \(reference) of \(repository)")
        }
    }

    func blob(_ repository: RepositoryName, digest: Digest, project: Project, head: Bool) async throws -> ProxiedBlob? {
        do {
            switch try await cache.blob(repository, digest: digest, project: project, head: head) {
            case .local:
                return nil
            case .upstream(let size, let body, let finished):
                return ProxiedBlob(size: size, next: { try await body.read() }, finished: finished)
            }
        } catch {
            throw Self.registryError(error, what: "blob \(digest) of \(repository)")
        }
    }

    static func registryError(_ failure: ProxyCache.UpstreamFailure, what: String) -> RegistryError {
        switch failure {
        case .notFound: RegistryError(.blobUnknown, "\(what) is not in the upstream registry")
        case .rateLimited(let reason):
            RegistryError(.tooManyRequests, "\(what) is not cached and the upstream registry is rate limiting: \(reason)")
        case .unavailable(let reason):
            RegistryError(.unknown, "\(what) is not cached and the upstream registry is unavailable: \(reason)", status: .badGateway)
        }
    }
}
