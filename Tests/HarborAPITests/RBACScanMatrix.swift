import Foundation

/// The permission matrix of the RBAC hole scan, written out again from Harbor's sources
/// (`src/common/rbac/project/rbac_role.go`, `rbac_util.go`, the robot `PoliciesMap`; see
/// shared/reference/notes/harbor-features.md §2) in plain strings: it must not be read from
/// `ProjectRole` or `RobotPermissionCatalogue`, or the scan would compare Berth with itself.
enum ScanMatrix {
    /// A permission as Harbor writes it: `resource:action`.
    struct Grant: Hashable, Sendable, CustomStringConvertible {
        let resource: String
        let action: String
        init(_ resource: String, _ action: String) {
            self.resource = resource
            self.action = action
        }
        var description: String { "\(resource):\(action)" }
    }

    /// `"RUD"`-style letters (create, read, update, delete, list) and whole words (`pull push stop operate`).
    static func grants(_ resource: String, _ spec: String) -> [Grant] {
        var result: [Grant] = []
        for word in spec.split(separator: " ") {
            if word.count > 1 && word.allSatisfy(\.isLowercase) || word.contains("-") {
                result.append(Grant(resource, String(word)))
                continue
            }
            for letter in word {
                switch letter {
                case "C": result.append(Grant(resource, "create"))
                case "R": result.append(Grant(resource, "read"))
                case "U": result.append(Grant(resource, "update"))
                case "D": result.append(Grant(resource, "delete"))
                case "L": result.append(Grant(resource, "list"))
                default: fatalError("unknown letter \(letter) in \(spec)")
                }
            }
        }
        return result
    }

    enum Role: String, CaseIterable, Sendable {
        case projectAdmin, maintainer, developer, guest, limitedGuest

        /// Harbor's role ids.
        var id: Int {
            switch self {
            case .projectAdmin: 1
            case .developer: 2
            case .guest: 3
            case .maintainer: 4
            case .limitedGuest: 5
            }
        }
    }

    /// Harbor's project role matrix, one row per resource: projectAdmin, maintainer, developer,
    /// guest, limitedGuest.
    static let roleRows: [(String, [String])] = [
        ("project", ["RUD", "R", "R", "R", "R"]),
        ("member", ["CRUDL", "RL", "RL", "RL", ""]),
        ("metadata", ["CRUD", "R", "", "", ""]),
        ("log", ["L", "", "", "", ""]),
        ("label", ["CRUDL", "CRUDL", "RL", "RL", ""]),
        ("quota", ["R", "R", "R", "R", "R"]),
        ("repository", ["CRUDL pull push", "CRUDL pull push", "CRUL pull push", "RL pull", "RL pull"]),
        ("tag-retention", ["CRUDL operate", "CRUDL operate", "CRUDL operate", "", ""]),
        ("immutable-tag", ["CUDL", "CUDL", "", "", ""]),
        ("configuration", ["RU", "R", "R", "R", "R"]),
        ("robot", ["CRUDL", "RL", "RL", "RL", ""]),
        ("notification-policy", ["CRUDL", "RL", "", "", ""]),
        ("scan", ["CR stop", "CR stop", "R", "R", "R"]),
        ("sbom", ["CR stop", "CR stop", "R", "R", "R"]),
        ("scanner", ["RC", "R", "R", "R", "R"]),
        ("artifact", ["CRDL", "CRDL", "CRL", "RL", "RL"]),
        ("artifact-addition", ["R", "R", "R", "R", "R"]),
        ("tag", ["LCD", "LCD", "LC", "L", "L"]),
        ("accessory", ["L", "L", "L", "L", "L"]),
        ("artifact-label", ["CD", "CD", "CD", "", ""]),
        ("preheat-policy", ["CRUDL", "", "", "", ""]),
        ("export-cve", ["CRL", "CRL", "CRL", "", ""]),
    ]

    static let roleGrants: [Role: Set<Grant>] = {
        var result: [Role: Set<Grant>] = [:]
        for (resource, cells) in roleRows {
            for (index, role) in [Role.projectAdmin, .maintainer, .developer, .guest, .limitedGuest].enumerated() {
                result[role, default: []].formUnion(grants(resource, cells[index]))
            }
        }
        return result
    }()

    /// What everyone, anonymous included, may do in a public project (`rbac_util.go`).
    static let publicProject: Set<Grant> = Set([
        grants("project", "R"), grants("label", "RL"), grants("repository", "L pull"), grants("scan", "R"),
        grants("scanner", "R"), grants("tag", "L"), grants("artifact", "RL"), grants("artifact-addition", "R"),
        grants("accessory", "L"),
    ].joined())

    /// The robot permission catalogue, system scope.
    static let robotSystemCatalogue: [Grant] = [
        grants("audit-log", "L"), grants("preheat-instance", "CRUDL"), grants("project", "LC"),
        grants("replication-policy", "CRUDL"), grants("replication", "RCL"), grants("replication-adapter", "L"),
        grants("registry", "CRUDL"), grants("scan-all", "RUC stop"), grants("system-volumes", "R"),
        grants("garbage-collection", "RCLU stop"), grants("purge-audit", "RCLU stop"), grants("jobservice-monitor", "L stop"),
        grants("scanner", "CRUDL"), grants("label", "RCDU"), grants("security-hub", "RL"), grants("catalog", "R"),
        grants("quota", "RLU"), grants("robot", "CRLD"), grants("user", "CRULD"), grants("ldap-user", "CL"),
        grants("user-group", "CRUDL"),
    ].flatMap { $0 }

    /// The robot permission catalogue, project scope.
    static let robotProjectCatalogue: [Grant] = [
        grants("log", "L"), grants("project", "RDU"), grants("metadata", "CRUDL"), grants("repository", "RUDL pull push"),
        grants("artifact", "RCLD"), grants("scan", "CR stop"), grants("sbom", "CR stop"), grants("tag", "CLD"),
        grants("accessory", "L"), grants("artifact-addition", "R"), grants("artifact-label", "CD"), grants("scanner", "CR"),
        grants("preheat-policy", "CRUDL"), grants("immutable-tag", "CDLU"), grants("notification-policy", "CRUDL"),
        grants("tag-retention", "CRUDL"), grants("label", "CRUDL"), grants("quota", "R"), grants("robot", "CRLD"),
        grants("export-cve", "CR"), grants("member", "CRUDL"),
    ].flatMap { $0 }

    /// The catalogue's reading half, for the read-only robot.
    static func readOnly(_ grants: [Grant]) -> [Grant] {
        grants.filter { ["read", "list", "pull"].contains($0.action) }
    }
}

/// Who calls: every shape of caller the scan sends each request as.
enum ScanCaller: String, CaseIterable, Sendable, CustomStringConvertible {
    /// No `Authorization` header.
    case anonymous
    /// `Basic Og==`, what containers/image sends without credentials: anonymous.
    case emptyBasic
    case admin
    case projectAdmin, maintainer, developer, guest, limitedGuest
    /// Signed in, member of neither project.
    case nonMember
    /// System level, every project-scope permission of the catalogue for `*`.
    case systemRobotAllProjects
    /// System level, every system-scope permission of the catalogue.
    case systemRobotSystem
    /// System level, the read and list half of both catalogues (`*` for projects).
    case systemRobotReadOnly
    /// Project level (a robot of the project under test): `repository:pull`.
    case projectRobotPull
    /// `repository:push` (push implies pull).
    case projectRobotPush
    /// `repository:pull`, `repository:delete`, `artifact:delete`.
    case projectRobotDelete
    /// The whole project-scope catalogue.
    case projectRobotFull
    /// The `projectRobotFull` of the other project: a robot's permissions must stay in its project.
    case otherProjectRobot
    /// A project robot with every permission, disabled.
    case disabledRobot
    /// A project robot with every permission, past its expiry.
    case expiredRobot
    /// A token from `/service/token` for the developer (`/v2/` only; refused by everything else).
    case developerToken
    /// A token from `/service/token` asked for anonymously.
    case anonymousToken

    var description: String { rawValue }

    var role: ScanMatrix.Role? {
        switch self {
        case .projectAdmin: .projectAdmin
        case .maintainer: .maintainer
        case .developer: .developer
        case .guest: .guest
        case .limitedGuest: .limitedGuest
        default: nil
        }
    }

    var isUser: Bool { role != nil || self == .admin || self == .nonMember }

    var isWorkingRobot: Bool {
        switch self {
        case .systemRobotAllProjects, .systemRobotSystem, .systemRobotReadOnly, .projectRobotPull, .projectRobotPush,
             .projectRobotDelete, .projectRobotFull, .otherProjectRobot: true
        default: false
        }
    }

    var isToken: Bool { self == .developerToken || self == .anonymousToken }

    /// Credentials that are wrong for the API: a disabled or expired robot, a registry token.
    var isRejectedByAPI: Bool { self == .disabledRobot || self == .expiredRobot || isToken }

    /// Anonymous as far as the API is concerned.
    var isAnonymous: Bool { self == .anonymous || self == .emptyBasic }

    /// Signed in as a working user or robot.
    var isSignedIn: Bool { isUser || isWorkingRobot }

    /// The project a project robot belongs to, when it calls about `requestProject` (nil: a system
    /// route, which the public project's robots call).
    func home(_ requestProject: ScanProject?) -> ScanProject? {
        let base = requestProject ?? .publicProject
        if self == .otherProjectRobot { return base == .publicProject ? .privateProject : .publicProject }
        return isProjectRobot ? base : nil
    }

    /// The project-scope grants of a robot in a project (`inProjectUnderTest`: the project robot's
    /// own project); nil for non-robots.
    func robotProjectGrants(inProjectUnderTest: Bool) -> Set<ScanMatrix.Grant>? {
        var grants: [ScanMatrix.Grant]
        switch self {
        case .systemRobotAllProjects: grants = ScanMatrix.robotProjectCatalogue
        case .systemRobotSystem: grants = []
        case .systemRobotReadOnly: grants = ScanMatrix.readOnly(ScanMatrix.robotProjectCatalogue)
        case .projectRobotPull: grants = inProjectUnderTest ? [.init("repository", "pull")] : []
        case .projectRobotPush: grants = inProjectUnderTest ? [.init("repository", "push")] : []
        case .projectRobotDelete:
            grants = inProjectUnderTest ? [.init("repository", "pull"), .init("repository", "delete"), .init("artifact", "delete")] : []
        case .projectRobotFull, .otherProjectRobot: grants = inProjectUnderTest ? ScanMatrix.robotProjectCatalogue : []
        default: return nil
        }
        // Harbor's `filterRobotPolicies`: push implies pull.
        if grants.contains(.init("repository", "push")) { grants.append(.init("repository", "pull")) }
        return Set(grants)
    }

    /// The system-scope grants of a robot; nil for non-robots.
    var robotSystemGrants: Set<ScanMatrix.Grant>? {
        switch self {
        case .systemRobotSystem: Set(ScanMatrix.robotSystemCatalogue)
        case .systemRobotReadOnly: Set(ScanMatrix.readOnly(ScanMatrix.robotSystemCatalogue))
        case .systemRobotAllProjects, .projectRobotPull, .projectRobotPush, .projectRobotDelete, .projectRobotFull, .otherProjectRobot: []
        default: nil
        }
    }

    /// The permission list a robot is created with (JSON), for the project named `project`.
    func robotPermissionsJSON(project: String) -> String? {
        func entry(_ kind: String, _ namespace: String, _ grants: [ScanMatrix.Grant]) -> String {
            let access = grants.map { #"{"resource":"\#($0.resource)","action":"\#($0.action)"}"# }.joined(separator: ",")
            return #"{"kind":"\#(kind)","namespace":"\#(namespace)","access":[\#(access)]}"#
        }
        switch self {
        case .systemRobotAllProjects: return "[" + entry("project", "*", ScanMatrix.robotProjectCatalogue) + "]"
        case .systemRobotSystem: return "[" + entry("system", "/", ScanMatrix.robotSystemCatalogue) + "]"
        case .systemRobotReadOnly:
            return "[" + entry("system", "/", ScanMatrix.readOnly(ScanMatrix.robotSystemCatalogue)) + ","
                + entry("project", "*", ScanMatrix.readOnly(ScanMatrix.robotProjectCatalogue)) + "]"
        case .projectRobotPull: return "[" + entry("project", project, [.init("repository", "pull")]) + "]"
        case .projectRobotPush: return "[" + entry("project", project, [.init("repository", "push")]) + "]"
        case .projectRobotDelete:
            return "[" + entry("project", project, [.init("repository", "pull"), .init("repository", "delete"), .init("artifact", "delete")]) + "]"
        case .projectRobotFull, .disabledRobot, .expiredRobot: return "[" + entry("project", project, ScanMatrix.robotProjectCatalogue) + "]"
        default: return nil
        }
    }

    var isSystemRobot: Bool { self == .systemRobotAllProjects || self == .systemRobotSystem || self == .systemRobotReadOnly }
    /// The robots made in each project (`otherProjectRobot` is the other project's `projectRobotFull`).
    var isProjectRobot: Bool { [.projectRobotPull, .projectRobotPush, .projectRobotDelete, .projectRobotFull, .disabledRobot, .expiredRobot].contains(self) }
    /// Whose headers differ per project.
    var isPerProject: Bool { isProjectRobot || isToken || self == .otherProjectRobot }
}

/// The project a request is about: public, private, or none (system routes).
enum ScanProject: String, Sendable, CaseIterable, CustomStringConvertible {
    case publicProject = "public"
    case privateProject = "private"
    var description: String { rawValue }
    var isPublic: Bool { self == .publicProject }
}

/// What a route demands of its caller, in Harbor's words.
enum Requirement: Sendable {
    /// Everyone, anonymous included.
    case anyone
    /// Any signed-in user or robot.
    case signedIn
    /// Signed-in users; robots are answered `robotStatus`.
    case usersOnly(robotStatus: Int)
    /// System administrators only (Berth's deliberate narrowing where Harbor lets a robot in; see `note`).
    case adminOnly
    /// A system-scope permission: administrators, and robots that hold it.
    case system(String, String)
    /// A project-scope permission in the project under test.
    case project(String, String)
    /// A project-scope permission in another, fixed project (the source of a copy).
    case inProject(ScanProject, String, String)
    /// Both (e.g. a robot creating a robot may hand out only what it holds itself).
    indirect case all([Requirement])
    /// Either.
    indirect case any([Requirement])
    /// `POST /projects`: users, and robots holding `project:create`.
    case projectCreation
    /// Users holding a project permission (CVE export: robots get 403).
    case userWithProject(String, String)
    /// Users always; a robot only if it holds the permission itself (a robot hands out only what
    /// it holds: Harbor's `isValidPermissionScope`). `kind` is `system` or `project`.
    case robotHolds(kind: String, String, String)
}

enum ScanExpectation: Equatable, CustomStringConvertible {
    case allowed
    case refused(Int)

    var description: String {
        switch self {
        case .allowed: "allowed"
        case .refused(let status): "refused \(status)"
        }
    }
}

extension Requirement {
    /// Whether `caller` meets the requirement in `project` (nil for system routes). Only for
    /// callers the API accepts (neither rejected nor tokens).
    /// `systemRoute`: the request names no project, and is sent with the public project's project
    /// robots (see `ScanCaller.home`); `project` is then the project whose data is looked for.
    func permits(_ caller: ScanCaller, in project: ScanProject?, systemRoute: Bool = false) -> Bool {
        switch self {
        case .anyone:
            return true
        case .signedIn:
            return caller.isSignedIn
        case .usersOnly:
            return caller.isUser
        case .adminOnly:
            return caller == .admin
        case .system(let resource, let action):
            if caller == .admin { return action != "scanner-pull" }
            return caller.robotSystemGrants?.contains(.init(resource, action)) ?? false
        case .project(let resource, let action):
            return Self.projectPermits(caller, ScanMatrix.Grant(resource, action), in: project, home: caller.home(systemRoute ? nil : project))
        case .inProject(let target, let resource, let action):
            return Self.projectPermits(caller, ScanMatrix.Grant(resource, action), in: target, home: caller.home(systemRoute ? nil : project))
        case .all(let parts):
            return parts.allSatisfy { $0.permits(caller, in: project, systemRoute: systemRoute) }
        case .any(let parts):
            return parts.contains { $0.permits(caller, in: project, systemRoute: systemRoute) }
        case .projectCreation:
            if caller.isUser { return true }
            return caller.robotSystemGrants?.contains(.init("project", "create")) ?? false
        case .userWithProject(let resource, let action):
            return caller.isUser && Requirement.project(resource, action).permits(caller, in: project, systemRoute: systemRoute)
        case .robotHolds(let kind, let resource, let action):
            if caller.isUser { return true }
            let home = caller.home(systemRoute ? nil : project)
            let held = kind == "system" ? caller.robotSystemGrants : caller.robotProjectGrants(inProjectUnderTest: home == nil || home == project)
            return held?.contains(.init(resource, action)) ?? false
        }
    }

    /// `grant` in `project` for `caller`, whose project robots belong to `home`.
    static func projectPermits(_ caller: ScanCaller, _ grant: ScanMatrix.Grant, in project: ScanProject?, home: ScanProject?) -> Bool {
        if caller == .admin { return grant.action != "scanner-pull" }
        if let project, project.isPublic, ScanMatrix.publicProject.contains(grant) { return true }
        if let role = caller.role { return ScanMatrix.roleGrants[role]!.contains(grant) }
        return caller.robotProjectGrants(inProjectUnderTest: home == nil || home == project)?.contains(grant) ?? false
    }

    /// What the API answers `caller` (Berth's rules, the same as Harbor's where the notes say so):
    /// wrong credentials (a disabled or expired robot, a registry token) are 401 on every route;
    /// anonymous callers who lack a permission get 401, signed-in ones 403.
    func expectation(for caller: ScanCaller, in project: ScanProject?) -> ScanExpectation {
        if caller.isRejectedByAPI { return .refused(401) }
        if permits(caller, in: project) { return .allowed }
        if caller.isAnonymous { return .refused(401) }
        if case .usersOnly(let robotStatus) = self, caller.isWorkingRobot { return .refused(robotStatus) }
        return .refused(403)
    }
}
