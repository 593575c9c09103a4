import Access
import Foundation
import Hummingbird
import Metadata
import RequestGrammar

/// `/api/v2.0/robots...`: robot accounts v2. Project robots are stored as `<project>+<name>` and log
/// in as `robot$<project>+<name>`; system robots as `<name>` / `robot$<name>`. The secret is shown
/// on creation and on refresh only, and stored hashed.
struct RobotHandlers {
    let services: APIServices

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        let body = try await JSONBody.decode(RobotCreate.self, from: request)
        try Self.validateName(body.name)
        // Harbor: a robot created without a duration (or with 0) lives `robot_token_duration` days.
        let requested = body.duration ?? 0
        let duration = try Self.validateDuration(requested == 0 ? await services.systemSettings.current.integer(.robotTokenDuration) : requested)
        let (storedName, project) = try await authorize(level: body.level, name: body.name, permissions: body.permissions, identity: context.identity)
        let secret = try Self.chosenSecret(body.secret)
        let now = Int64(Date().timeIntervalSince1970)
        guard let robot = try await services.robots.create(NewRobot(
            name: storedName, description: body.description, projectID: project?.id, level: body.level,
            secretHash: try PasswordHasher.hash(secret), disabled: body.disable ?? false, duration: duration,
            expiresAt: Self.expiry(createdAt: now, duration: duration), permissionsJSON: try Self.encode(body.permissions),
            creator: context.identity.name))
        else { throw APIError.conflict("robot \(body.name) already exists") }
        await services.recordAudit(context.identity, "create", "robot", Authenticator.robotPrefix + robot.name, projectID: project?.id)
        return try JSONResponse.ok(
            RobotCreated(id: robot.id, name: Authenticator.robotPrefix + robot.name, secret: secret,
                         creation_time: Timestamp.rfc3339(millis: robot.createdAt), expires_at: robot.expiresAt),
            status: .created, headers: [.location: "/api/v2.0/robots/\(robot.id)"])
    }

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        let query = HarborQuery(request)
        let projectID = (query.exact["projectid"] ?? query.exact["project_id"]).flatMap(Int64.init)
        if let projectID {
            guard let project = try await services.projects.find(id: projectID) else { throw APIError.notFound("project \(projectID) not found") }
            try await services.require(context.identity, Permission(.robot, .list), in: project)
        } else {
            try services.require(context.identity, system: Permission(.robot, .list))
        }
        let paging = try Pagination(request)
        // Harbor's `Level=system` or `Level=project` narrows the list to robots of that level.
        let level = query.exact["level"]?.lowercased()
        let robots = try await services.robots.list(projectID: projectID).filter { level == nil || $0.level == level }
        let pageItems = paging.slice(robots)
        return try JSONResponse.ok(pageItems.map(Self.response), headers: paging.headers(total: Int64(robots.count), path: "/api/v2.0/robots"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let robot = try await existing(context, action: .read)
        return try JSONResponse.ok(Self.response(robot))
    }

    func update(_ request: Request, context: some APIContext) async throws -> Response {
        let robot = try await existing(context, action: .update)
        let body = try await JSONBody.decode(RobotUpdate.self, from: request)
        if let level = body.level, level != robot.level { throw APIError.badRequest("the level of a robot cannot change") }
        let requested = body.duration ?? robot.duration
        let duration = try Self.validateDuration(requested == 0 ? await services.systemSettings.current.integer(.robotTokenDuration) : requested)
        var permissionsJSON = robot.permissionsJSON
        if let permissions = body.permissions {
            // A project robot stays in its project: its permissions may change, its namespace not.
            if let projectID = robot.projectID, let project = try await services.projects.find(id: projectID),
               permissions.contains(where: { $0.namespace != project.name }) {
                throw APIError.badRequest("a project robot's permissions must name its own project \(project.name)")
            }
            let shortName = robot.name.split(separator: "+", maxSplits: 1).last.map(String.init) ?? robot.name
            _ = try await authorize(level: robot.level, name: shortName, permissions: permissions, identity: context.identity)
            permissionsJSON = try Self.encode(permissions)
        }
        // As in Harbor, the expiry is recomputed from the creation time.
        _ = try await services.robots.update(
            id: robot.id, description: body.description ?? robot.description, disabled: body.disable ?? robot.disabled,
            duration: duration, expiresAt: Self.expiry(createdAt: robot.createdAt / 1000, duration: duration), permissionsJSON: permissionsJSON)
        return JSONResponse.empty(.ok)
    }

    /// `PATCH /robots/{id}`: a new secret (given, or generated); the old one stops working at once.
    func refreshSecret(_ request: Request, context: some APIContext) async throws -> Response {
        let robot = try await existing(context, action: .update)
        let body = try await JSONBody.decode(RobotSec.self, from: request)
        let secret = try Self.chosenSecret(body.secret)
        _ = try await services.robots.replaceSecret(id: robot.id, secretHash: try PasswordHasher.hash(secret))
        return try JSONResponse.ok(RobotSec(secret: secret))
    }

    /// The secret to store: the one given, validated, or a random one when none (or `""`, which is
    /// what Harbor's UI and CLI send to refresh) is given.
    static func chosenSecret(_ given: String?) throws -> String {
        guard let given, !given.isEmpty else { return PasswordPolicy.randomSecret() }
        if let violation = PasswordPolicy.violation(given) { throw APIError.badRequest("secret: \(violation)") }
        return given
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let robot = try await existing(context, action: .delete)
        _ = try await services.robots.delete(id: robot.id)
        await services.recordAudit(context.identity, "delete", "robot", Authenticator.robotPrefix + robot.name, projectID: robot.projectID)
        return JSONResponse.empty(.ok)
    }

    // MARK: rules

    /// Checks the caller may manage a robot of this shape; returns its stored name and project.
    private func authorize(level: String, name: String, permissions: [RobotPermission], identity: Identity) async throws -> (String, Project?) {
        guard !permissions.isEmpty else { throw APIError.badRequest("a robot needs at least one permission") }
        for entry in permissions {
            let catalogue: Set<Permission>
            switch entry.kind {
            case "system": catalogue = RobotPermissionCatalogue.system
            case "project": catalogue = RobotPermissionCatalogue.project
            default: throw APIError.badRequest("permission kind must be system or project, not \(entry.kind)")
            }
            guard !entry.access.isEmpty else { throw APIError.badRequest("permission for \(entry.namespace) lists no access") }
            for access in entry.access {
                guard let resource = Resource(rawValue: access.resource), let action = Action(rawValue: access.action),
                      catalogue.contains(Permission(resource, action)) else {
                    throw APIError.badRequest("\(access.resource):\(access.action) is not a valid \(entry.kind) robot permission")
                }
                if let effect = access.effect, effect != "allow" && effect != "deny" {
                    throw APIError.badRequest("effect must be allow or deny")
                }
            }
        }
        if case .robot(let creator) = identity {
            // A robot may only hand out what it holds itself (Harbor's isValidPermissionScope).
            for entry in permissions {
                for access in entry.access where !Self.covers(creator.permissions, kind: entry.kind, namespace: entry.namespace, access: access) {
                    throw APIError.forbidden("a robot cannot grant \(entry.kind) \(entry.namespace) \(access.resource):\(access.action), which it does not hold")
                }
            }
        }
        switch level {
        case "system":
            try services.require(identity, system: Permission(.robot, .create))
            for entry in permissions where entry.kind == "project" && entry.namespace != "*" {
                guard try await services.projects.find(name: entry.namespace) != nil else { throw APIError.notFound("project \(entry.namespace) not found") }
            }
            return (name, nil)
        case "project":
            guard permissions.count == 1, let entry = permissions.first, entry.kind == "project", entry.namespace != "*" else {
                throw APIError.badRequest("a project robot has exactly one permission entry of kind project naming its project")
            }
            guard let project = try await services.projects.find(name: entry.namespace) else {
                throw APIError.notFound("project \(entry.namespace) not found")
            }
            try await services.require(identity, Permission(.robot, .create), in: project)
            return ("\(project.name)+\(name)", project)
        default:
            throw APIError.badRequest("level must be system or project")
        }
    }

    static func covers(_ held: [RobotPermission], kind: String, namespace: String, access: RobotAccess) -> Bool {
        held.contains { entry in
            entry.kind == kind && (entry.namespace == namespace || (kind == "project" && entry.namespace == "*"))
                && entry.access.contains { $0.effect != "deny" && $0.resource == access.resource && $0.action == access.action }
        }
    }

    private func existing(_ context: some APIContext, action: Action) async throws -> Robot {
        try services.requireAuthenticated(context.identity)
        let id = try context.parameters.requiredID("robot_id")
        guard let robot = try await services.robots.find(id: id) else { throw APIError.notFound("robot \(id) not found") }
        if let projectID = robot.projectID, let project = try await services.projects.find(id: projectID) {
            try await services.require(context.identity, Permission(.robot, action), in: project)
        } else {
            // `robot:update` as in Harbor: no robot can hold it (the catalogue lists create, read,
            // list, delete), so only administrators change or refresh system robots. A robot
            // holding `robot:create` must not refresh the secret of a robot holding more than it.
            try services.require(context.identity, system: Permission(.robot, action))
        }
        return robot
    }

    static func response(_ robot: Robot) -> RobotResp {
        RobotResp(id: robot.id, name: Authenticator.robotPrefix + robot.name, description: robot.description, level: robot.level,
                  duration: robot.duration, editable: true, disable: robot.disabled, expires_at: robot.expiresAt,
                  permissions: (try? JSONDecoder().decode([RobotPermission].self, from: Data(robot.permissionsJSON.utf8))) ?? [],
                  creation_time: Timestamp.rfc3339(millis: robot.createdAt), update_time: Timestamp.rfc3339(millis: robot.updatedAt))
    }

    static func validateName(_ name: String) throws {
        // Harbor: ^[a-z0-9]+(?:[._-][a-z0-9]+)*$, the same grammar as project names.
        guard (try? ProjectHandlers.validateName(name)) != nil else { throw APIError.badRequest("robot name must be lowercase letters and digits separated by single '.', '_' or '-'") }
    }

    static func validateDuration(_ days: Int64) throws -> Int64 {
        guard days == -1 || (days > 0 && days < Int64(Int32.max)) else { throw APIError.badRequest("duration must be -1 (never expires) or a positive number of days") }
        return days
    }

    static func expiry(createdAt: Int64, duration: Int64) -> Int64 {
        duration == -1 ? -1 : createdAt + duration * 86_400
    }

    static func encode(_ permissions: [RobotPermission]) throws -> String {
        String(decoding: try JSONEncoder().encode(permissions), as: UTF8.self)
    }
}
