import Metadata
import OCI

/// Decides what an identity may do. The registry asks `allowedActions` for every repository
/// request; the Harbor API asks `can` for every operation. `PermissionEvaluator` is the one
/// implementation; tests may substitute their own.
public protocol AccessPolicy: Sendable {
    func allowedActions(for identity: Identity, repository: RepositoryName, in project: Project) async throws -> Set<RepositoryAction>
    func can(_ identity: Identity, _ permission: Permission, in project: Project) async throws -> Bool
    func can(_ identity: Identity, system permission: Permission) -> Bool
}
