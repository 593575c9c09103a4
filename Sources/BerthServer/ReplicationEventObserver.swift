import Logging
import Metadata
import OCI
import Services

/// Connects pushes and deletions to replication's `event_based` policies. A failure to queue is
/// logged; the next scheduled or manual run of the policy catches up.
struct ReplicationEventObserver: ArtifactEventObserver {
    let triggers: ReplicationTriggers
    let logger: Logger

    func manifestPushed(_ pushed: PushedManifest) async {
        do {
            try await triggers.pushed(pushed.repository, digest: pushed.digest, tags: pushed.tags, isReferrer: pushed.subject != nil)
        } catch {
            logger.warning("replication of \(pushed.repository)@\(pushed.digest) was not queued: \(error)")
        }
    }

    func artifactDeleted(repository: RepositoryName, reference: String, operatorName: String?) async {
        do {
            try await triggers.deleted(repository, reference: reference)
        } catch {
            logger.warning("replication of the deletion of \(repository):\(reference) was not queued: \(error)")
        }
    }
}
