import BerthTestSupport
import Metadata
import OCI
import Testing
@testable import Access

/// Walks every caller shape through the repository actions and a sample of API permissions, in a
/// private and a public project, against the members table of a real database.
@Suite struct PermissionMatrixTests {
    enum Caller: String, CaseIterable, CustomStringConvertible {
        case admin, projectAdmin, maintainer, developer, guest, limitedGuest, nonMember, anonymous
        case projectRobotPull, projectRobotPush, wildcardRobotPush, otherProjectRobot

        var description: String { rawValue }

        var role: ProjectRole? {
            switch self {
            case .projectAdmin: .projectAdmin
            case .maintainer: .maintainer
            case .developer: .developer
            case .guest: .guest
            case .limitedGuest: .limitedGuest
            default: nil
            }
        }
    }

    /// Expected repository actions in the private project.
    static let expected: [Caller: Set<RepositoryAction>] = [
        .admin: [.pull, .push, .delete], .projectAdmin: [.pull, .push, .delete], .maintainer: [.pull, .push, .delete],
        .developer: [.pull, .push], .guest: [.pull], .limitedGuest: [.pull], .nonMember: [], .anonymous: [],
        .projectRobotPull: [.pull], .projectRobotPush: [.pull, .push], .wildcardRobotPush: [.pull, .push], .otherProjectRobot: [],
    ]

    /// Expected repository actions in the public project: everyone may pull, the rest as in private.
    static let expectedPublic: [Caller: Set<RepositoryAction>] = [
        .admin: [.pull, .push, .delete], .projectAdmin: [.pull, .push, .delete], .maintainer: [.pull, .push, .delete],
        .developer: [.pull, .push], .guest: [.pull], .limitedGuest: [.pull], .nonMember: [.pull], .anonymous: [.pull],
        .projectRobotPull: [.pull], .projectRobotPush: [.pull], .wildcardRobotPush: [.pull, .push], .otherProjectRobot: [.pull],
    ]

    /// Expected API permissions (private project) for a few rows of the matrix.
    static let apiChecks: [(Permission, Set<Caller>)] = [
        (Permission(.member, .create), [.admin, .projectAdmin]),
        (Permission(.member, .list), [.admin, .projectAdmin, .maintainer, .developer, .guest]),
        (Permission(.project, .delete), [.admin, .projectAdmin]),
        (Permission(.project, .read), [.admin, .projectAdmin, .maintainer, .developer, .guest, .limitedGuest]),
        (Permission(.artifact, .delete), [.admin, .projectAdmin, .maintainer]),
        (Permission(.tag, .create), [.admin, .projectAdmin, .maintainer, .developer]),
        (Permission(.robot, .create), [.admin, .projectAdmin]),
        (Permission(.log, .list), [.admin, .projectAdmin]),
        (Permission(.immutableTag, .create), [.admin, .projectAdmin, .maintainer]),
        (Permission(.metadata, .update), [.admin, .projectAdmin]),
    ]

    static func identity(_ caller: Caller, userIDs: [Caller: Int64]) -> Identity {
        func robot(_ namespace: String, _ action: String) -> Identity {
            .robot(RobotIdentity(id: 1, name: "robot$x", permissions: [
                RobotPermission(kind: "project", namespace: namespace, access: [RobotAccess(resource: "repository", action: action)]),
            ]))
        }
        switch caller {
        case .admin: return .user(id: userIDs[.admin]!, name: "admin", isAdmin: true)
        case .anonymous: return .anonymous
        case .projectRobotPull: return robot("secret", "pull")
        case .projectRobotPush: return robot("secret", "push")
        case .wildcardRobotPush: return robot("*", "push")
        case .otherProjectRobot: return robot("other", "push")
        default: return .user(id: userIDs[caller]!, name: caller.description, isAdmin: false)
        }
    }

    @Test func everyCallerInEveryProject() async throws {
        try await TestDatabase.with { db in
            let users = UserStore(database: db), members = MemberStore(database: db), projects = ProjectStore(database: db)
            let privateProject = try await projects.createIfMissing(name: "secret", isPublic: false, ownerID: nil)
            let publicProject = try await projects.createIfMissing(name: "open", isPublic: true, ownerID: nil)
            var userIDs: [Caller: Int64] = [:]
            for caller in Caller.allCases where caller.role != nil || caller == .nonMember || caller == .admin {
                let user = try #require(try await users.create(username: caller.description, passwordHash: "x", isAdmin: caller == .admin))
                userIDs[caller] = user.id
                if let role = caller.role {
                    for project in [privateProject, publicProject] {
                        _ = try await members.add(.user(user.id), projectID: project.id, role: role.rawValue)
                    }
                }
            }
            let evaluator = PermissionEvaluator(members: members)
            for caller in Caller.allCases {
                let identity = Self.identity(caller, userIDs: userIDs)
                let privateActions = try await evaluator.allowedActions(for: identity, repository: try RepositoryName("secret/app"), in: privateProject)
                #expect(privateActions == Self.expected[caller], "\(caller) in private project")
                let publicActions = try await evaluator.allowedActions(for: identity, repository: try RepositoryName("open/app"), in: publicProject)
                #expect(publicActions == Self.expectedPublic[caller], "\(caller) in public project")
                for (permission, allowed) in Self.apiChecks {
                    #expect(try await evaluator.can(identity, permission, in: privateProject) == allowed.contains(caller), "\(caller) \(permission)")
                }
            }
            // System permissions: only the admin (and robots granted them).
            #expect(evaluator.can(Self.identity(.admin, userIDs: userIDs), system: Permission(.catalog, .read)))
            #expect(!evaluator.can(Self.identity(.projectAdmin, userIDs: userIDs), system: Permission(.catalog, .read)))
            #expect(!evaluator.can(.anonymous, system: Permission(.user, .create)))
            let systemRobot = Identity.robot(RobotIdentity(id: 9, name: "robot$sys", permissions: [
                RobotPermission(kind: "system", namespace: "/", access: [RobotAccess(resource: "catalog", action: "read")]),
            ]))
            #expect(evaluator.can(systemRobot, system: Permission(.catalog, .read)))
            #expect(!evaluator.can(systemRobot, system: Permission(.user, .create)))
        }
    }

    /// The same matrix for users whose role comes from a group (LDAP or OIDC) that is the member,
    /// and a user with roles both ways: the union, so the highest role counts.
    @Test func groupMembersGetTheirGroupsRoleAndTheHighestCounts() async throws {
        try await TestDatabase.with { db in
            let users = UserStore(database: db), members = MemberStore(database: db), projects = ProjectStore(database: db)
            let groups = UserGroupStore(database: db)
            let privateProject = try await projects.createIfMissing(name: "secret", isPublic: false, ownerID: nil)
            let publicProject = try await projects.createIfMissing(name: "open", isPublic: true, ownerID: nil)
            let evaluator = PermissionEvaluator(members: members)
            func check(_ identity: Identity, as caller: Caller, _ label: String) async throws {
                let privateActions = try await evaluator.allowedActions(for: identity, repository: try RepositoryName("secret/app"), in: privateProject)
                #expect(privateActions == Self.expected[caller], "\(label) in private project")
                let publicActions = try await evaluator.allowedActions(for: identity, repository: try RepositoryName("open/app"), in: publicProject)
                #expect(publicActions == Self.expectedPublic[caller], "\(label) in public project")
                for (permission, allowed) in Self.apiChecks {
                    #expect(try await evaluator.can(identity, permission, in: privateProject) == allowed.contains(caller), "\(label) \(permission)")
                }
            }
            for caller in Caller.allCases {
                guard let role = caller.role else { continue }
                let user = try #require(try await users.create(username: "via-\(caller)", passwordHash: "x", isAdmin: false))
                let dn = "cn=\(caller),ou=groups,dc=test"
                let ids = try await groups.replaceMemberships(userID: user.id, groups: [
                    DirectoryGroupName(name: caller.description, type: .ldap, ldapDN: dn),
                    DirectoryGroupName(name: "bystanders", type: .ldap, ldapDN: "cn=bystanders,ou=groups,dc=test"),
                ])
                #expect(ids.count == 2)
                let group = try #require(try await groups.list(nameContains: nil, ldapDN: dn, page: .init(offset: 0, limit: 1)).items.first)
                for project in [privateProject, publicProject] {
                    _ = try await members.add(.group(group.id), projectID: project.id, role: role.rawValue)
                }
                try await check(.user(id: user.id, name: user.username, isAdmin: false), as: caller, "\(caller) by group")
            }
            // A guest in person and a maintainer by group is a maintainer; out of the group, a guest.
            let both = try #require(try await users.create(username: "both", passwordHash: "x", isAdmin: false))
            _ = try await members.add(.user(both.id), projectID: privateProject.id, role: ProjectRole.guest.rawValue)
            _ = try await members.add(.user(both.id), projectID: publicProject.id, role: ProjectRole.guest.rawValue)
            try await groups.replaceMemberships(userID: both.id, groups: [DirectoryGroupName(name: "maintainer", type: .ldap, ldapDN: "CN=maintainer, ou=groups,dc=test")])
            let identity = Identity.user(id: both.id, name: "both", isAdmin: false)
            try await check(identity, as: .maintainer, "guest and maintainer by group")
            try await groups.replaceMemberships(userID: both.id, groups: [])
            try await check(identity, as: .guest, "guest, out of the group")
            // A member of no group of the project is a non-member.
            let outsider = try #require(try await users.create(username: "outsider", passwordHash: "x", isAdmin: false))
            try await groups.replaceMemberships(userID: outsider.id, groups: [DirectoryGroupName(name: "bystanders", type: .ldap, ldapDN: "cn=bystanders,ou=groups,dc=test")])
            try await check(.user(id: outsider.id, name: "outsider", isAdmin: false), as: .nonMember, "in an unrelated group")
        }
    }

    @Test func tokensCarryRepositoryActions() async throws {
        try await TestDatabase.with { db in
            let evaluator = PermissionEvaluator(members: MemberStore(database: db))
            let project = Project(id: 1, name: "secret", isPublic: false)
            let grant = Identity.token(TokenGrant(subject: "dev", repositories: ["secret/app": [.pull, .push]], catalog: false))
            let app = try RepositoryName("secret/app"), other = try RepositoryName("secret/other")
            #expect(try await evaluator.allowedActions(for: grant, repository: app, in: project) == [.pull, .push])
            #expect(try await evaluator.allowedActions(for: grant, repository: other, in: project).isEmpty)
        }
    }
}
