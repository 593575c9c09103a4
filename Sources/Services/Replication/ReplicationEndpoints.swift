import BlobStore
import Metadata

/// Resolves a policy's two sides: the remote endpoint it names and this Berth.
public struct ReplicationEndpoints: Sendable {
    public let registries: RegistryEndpointStore
    public let policies: ReplicationPolicyStore
    public let local: LocalReplicationEndpoint

    public init(database: MetadataDatabase, blobs: BlobStore, sealer: any SecretSealer,
                stored: @escaping @Sendable (Int64, Int64) async -> Void = { _, _ in }) {
        registries = RegistryEndpointStore(database: database, sealer: sealer)
        policies = ReplicationPolicyStore(database: database)
        local = LocalReplicationEndpoint(database: database, blobs: blobs, stored: stored)
    }

    public func policy(_ id: Int64) async throws -> ReplicationPolicyRecord {
        guard let policy = try await policies.find(id) else { throw ReplicationError.notFound("replication policy \(id) no longer exists") }
        return policy
    }

    /// Source and target of the policy; the remote endpoint's record too (for its status).
    func sides(of policy: ReplicationPolicyRecord) async throws
        -> (source: any ReplicationSource, target: any ReplicationTarget, remote: RegistryEndpointRecord) {
        guard let remoteID = policy.sourceRegistryID ?? policy.destinationRegistryID,
              let endpoint = try await registries.find(remoteID) else {
            throw ReplicationError.notFound("the registry endpoint of policy \(policy.name) no longer exists")
        }
        let remote = try RemoteReplicationEndpoint(endpoint: endpoint)
        return policy.isPull ? (remote, local, endpoint) : (local, remote, endpoint)
    }
}
