import Metadata

/// Decides what an identity may do in a project. The registry asks this one question for every
/// repository request; the RBAC evaluator (members and roles) will be another conformance.
public protocol AccessPolicy: Sendable {
    func allowedActions(for identity: Identity, in project: Project) async throws -> Set<RepositoryAction>
}

/// The policy until members and roles exist: system administrators may do everything, everyone
/// (anonymous included) may pull from public projects.
public struct AdminOrPublicReadPolicy: AccessPolicy {
    public init() {}

    public func allowedActions(for identity: Identity, in project: Project) async throws -> Set<RepositoryAction> {
        if identity.isAdmin { return Set(RepositoryAction.allCases) }
        return project.isPublic ? [.pull] : []
    }
}
