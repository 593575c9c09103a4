import Metadata
import OCI

/// Harbor's permission model in one place:
/// - system administrators may do everything except `scanner-pull`;
/// - project members get their role's permissions (`ProjectRole`), and members of a user group
///   that is a project member get the group's: a user's permissions are the union of them all,
///   so the highest role counts;
/// - robots get the project-scope permissions listed for the project or `*`, push implying pull;
/// - bearer tokens carry their repository actions;
/// - everyone, anonymous included, gets the public-project set in public projects.
public struct PermissionEvaluator: AccessPolicy {
    let members: MemberStore

    public init(members: MemberStore) {
        self.members = members
    }

    public func permissions(for identity: Identity, in project: Project) async throws -> Set<Permission> {
        var granted: Set<Permission> = project.isPublic ? ProjectRole.publicProjectPermissions : []
        switch identity {
        case .anonymous, .token:
            break
        case .user(let id, _, let isAdmin):
            if isAdmin { return Self.everything }
            for roleID in try await members.roles(userID: id, projectID: project.id) {
                if let role = ProjectRole(rawValue: roleID) { granted.formUnion(role.permissions) }
            }
        case .robot(let robot):
            granted.formUnion(Self.robotPermissions(robot, projectName: project.name))
        }
        return granted
    }

    public func can(_ identity: Identity, _ permission: Permission, in project: Project) async throws -> Bool {
        if identity.isAdmin { return permission.action != .scannerPull }
        return try await permissions(for: identity, in: project).contains(permission)
    }

    public func can(_ identity: Identity, system permission: Permission) -> Bool {
        switch identity {
        case .user(_, _, let isAdmin):
            return isAdmin && permission.action != .scannerPull
        case .robot(let robot):
            return robot.permissions.contains { entry in
                entry.kind == "system" && entry.access.contains {
                    $0.effect != "deny" && $0.resource == permission.resource.rawValue && $0.action == permission.action.rawValue
                }
            }
        case .token(let grant):
            return permission == Permission(.catalog, .read) && grant.catalog
        case .anonymous:
            return false
        }
    }

    public func allowedActions(for identity: Identity, repository: RepositoryName, in project: Project) async throws -> Set<RepositoryAction> {
        if case .token(let grant) = identity {
            // A token names repositories, not projects; the public set still applies. Harbor also
            // refuses tokens issued before the project was created (with a second of clock slack).
            let predatesProject = grant.issuedAt < .max && grant.issuedAt * 1000 < project.createdAt - 1000
            let granted = predatesProject ? [] : grant.repositories[repository.value] ?? []
            return granted.union(project.isPublic ? [.pull] : [])
        }
        let permissions = try await permissions(for: identity, in: project)
        var actions = Set<RepositoryAction>()
        if permissions.contains(Permission(.repository, .pull)) { actions.insert(.pull) }
        if permissions.contains(Permission(.repository, .push)) { actions.insert(.push) }
        if permissions.contains(Permission(.repository, .delete)) { actions.insert(.delete) }
        return actions
    }

    static func robotPermissions(_ robot: RobotIdentity, projectName: String) -> Set<Permission> {
        var result = Set<Permission>()
        for entry in robot.permissions where entry.kind == "project" && (entry.namespace == projectName || entry.namespace == "*") {
            for access in entry.access where access.effect != "deny" {
                guard let resource = Resource(rawValue: access.resource), let action = Action(rawValue: access.action) else { continue }
                result.insert(Permission(resource, action))
                if resource == .repository && action == .push { result.insert(Permission(.repository, .pull)) }
            }
        }
        return result
    }

    private static let everything: Set<Permission> = Set(Resource.allCases.flatMap { resource in
        Action.allCases.filter { $0 != .scannerPull }.map { Permission(resource, $0) }
    })
}
