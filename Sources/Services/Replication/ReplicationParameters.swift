import Foundation
import Metadata

/// What a replication execution's launcher task is given: the policy to run.
public struct ReplicationLaunch: Codable, Sendable {
    public let policy_id: Int64
    public init(policy_id: Int64) { self.policy_id = policy_id }
}

/// One replication task: one repository, the references to copy (or delete) in it. The API
/// shows it as Harbor's `ReplicationTask` (`src_resource` `library/nginx:[latest,1.25]`).
public struct ReplicationTaskParameters: Codable, Sendable, Equatable {
    public enum Operation: String, Codable, Sendable { case copy, deletion }

    public let policy_id: Int64
    public let operation: Operation
    public let resource_type: String
    public let src_repository: String
    public let dst_repository: String
    public let references: [String]

    public init(policy_id: Int64, operation: Operation, src_repository: String, dst_repository: String, references: [String]) {
        self.policy_id = policy_id
        self.operation = operation
        self.resource_type = "image"
        self.src_repository = src_repository
        self.dst_repository = dst_repository
        self.references = references
    }

    /// The task that replicates `references` of `repository` under `policy`, named on the target
    /// by the policy's destination namespace.
    static func of(_ policy: ReplicationPolicyRecord, operation: Operation, repository: String, references: [String]) throws -> ReplicationTaskParameters {
        let destination = try DestinationNaming.destination(of: repository, namespace: policy.destinationNamespace,
                                                             replaceCount: policy.destinationNamespaceReplaceCount)
        return ReplicationTaskParameters(policy_id: policy.id, operation: operation, src_repository: repository,
                                         dst_repository: destination, references: references)
    }

    public var sourceResource: String { "\(src_repository):[\(references.joined(separator: ","))]" }
    public var destinationResource: String { "\(dst_repository):[\(references.joined(separator: ","))]" }

    public var json: String { CanonicalJSON.string(self) }

    public static func decode(_ text: String) throws -> ReplicationTaskParameters {
        try JSONDecoder().decode(ReplicationTaskParameters.self, from: Data(text.utf8))
    }
}

/// What a finished task reports (kept with the task; totals for the closing line of its log).
struct ReplicationTaskResult: Codable {
    let copied: Int
    let unchanged: Int
    let kept: Int
    let deleted: Int
    let blobs_sent: Int
    let blobs_skipped: Int
    let bytes_sent: Int64
}
