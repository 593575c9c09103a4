import Access
import Directory
import Hummingbird
import Metadata
import RequestGrammar

/// `/api/v2.0/users...`: local database users.
struct UserHandlers {
    let services: APIServices

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        // Administrators create users; with Harbor's `self_registration` on (off by default), so may
        // anyone who is not a robot: the sign-up form is used before signing in.
        let mayRegister: Bool
        switch context.identity {
        case .anonymous, .user: mayRegister = await services.systemSettings.current.isOn(.selfRegistration)
        case .robot, .token: mayRegister = false
        }
        if !mayRegister { try services.require(context.identity, system: Permission(.user, .create)) }
        try await requireLocalAccounts()
        let body = try await JSONBody.decode(UserCreationReq.self, from: request)
        try Self.validateUsername(body.username)
        if let violation = PasswordPolicy.violation(body.password) { throw APIError.badRequest(violation) }
        guard let user = try await services.users.create(
            username: body.username, passwordHash: try PasswordHasher.hash(body.password), isAdmin: false,
            email: body.email, realname: body.realname, comment: body.comment)
        else { throw APIError.conflict("username \(body.username) is already used") }
        await services.recordAudit(context.identity, "create", "user", user.username, projectID: nil)
        return JSONResponse.created(location: "/api/v2.0/users/\(user.id)")
    }

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.user, .list))
        let paging = try Pagination(request)
        let query = HarborQuery(request)
        let name = query.fuzzy["username"] ?? query.exact["username"]
        let page = try await services.users.list(nameContains: name, page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map(UserResp.init), headers: paging.headers(total: page.total, path: "/api/v2.0/users"))
    }

    func search(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        guard let name = request.uri.queryParameters["username"].map(String.init), !name.isEmpty else {
            throw APIError.badRequest("username is required")
        }
        let paging = try Pagination(request)
        let page = try await services.users.list(nameContains: name, page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map { UserSearchRespItem(user_id: $0.id, username: $0.username) },
                                   headers: paging.headers(total: page.total, path: "/api/v2.0/users/search"))
    }

    /// A robot is signed in but is no user: 412, as Harbor answers (401 would tell a client to
    /// ask for other credentials).
    func current(_ request: Request, context: some APIContext) async throws -> Response {
        let id: Int64
        switch context.identity {
        case .user(let userID, _, _): id = userID
        case .anonymous: throw APIError.unauthorized("authentication required")
        case .robot, .token: throw APIError.precondition("the current user is not available to robot accounts")
        }
        guard let user = try await services.users.find(id: id) else { throw APIError.unauthorized("authentication required") }
        var response = UserResp(user)
        // Harbor shows OIDC users their CLI secret in their own profile, and nowhere else.
        if let linked = try await services.oidcUsers.find(userID: id) {
            // A secret sealed under another key cannot be shown; the rest of the profile still is.
            if let secret = try? services.sealer.open(linked.secretSealed) {
                response.oidc_user_meta = OIDCUserInfo(id: linked.userID, user_id: linked.userID, subiss: linked.subject + linked.issuer,
                                                       secret: secret, creation_time: Timestamp.rfc3339(millis: linked.createdAt),
                                                       update_time: Timestamp.rfc3339(millis: linked.updatedAt))
            }
        }
        return try JSONResponse.ok(response)
    }

    /// `PUT /users/{id}/cli_secret`: an OIDC user (or an administrator for them) sets the secret
    /// docker and skopeo sign in with. It lives until changed, whatever the ID token's expiry.
    func setCLISecret(_ request: Request, context: some APIContext) async throws -> Response {
        let user = try await selfOrAdmin(context, permission: Permission(.user, .update))
        // A secret is a way in as the user: only they or a system administrator (a person, never
        // a robot holding user:update) may set it.
        guard Self.userID(context.identity) == user.id || context.identity.isAdmin else {
            throw APIError.forbidden("only the user or a system administrator sets a CLI secret")
        }
        guard await services.systemSettings.current.authMode == .oidc else {
            throw APIError.precondition("CLI secrets are for OIDC sign-in, and auth_mode is not oidc_auth")
        }
        let body = try await JSONBody.decode(OIDCCliSecretReq.self, from: request)
        if let violation = CLISecret.violation(body.secret) { throw APIError.badRequest(violation) }
        guard try await services.oidcUsers.replaceSecret(userID: user.id, secretHash: try PasswordHasher.hash(body.secret),
                                                         secretSealed: try services.sealer.seal(body.secret)) else {
            throw APIError.precondition("\(user.username) has not signed in through OIDC")
        }
        await recordUpdate(context, user, "change CLI secret of user with name: \(user.username)")
        return JSONResponse.empty(.ok)
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let user = try await selfOrAdmin(context, permission: Permission(.user, .read))
        return try JSONResponse.ok(UserResp(user))
    }

    func updateProfile(_ request: Request, context: some APIContext) async throws -> Response {
        let user = try await selfOrAdmin(context, permission: Permission(.user, .update))
        let body = try await JSONBody.decode(UserProfile.self, from: request)
        _ = try await services.users.updateProfile(id: user.id, email: body.email, realname: body.realname, comment: body.comment)
        await recordUpdate(context, user, "update user with name: \(user.username)")
        return JSONResponse.empty(.ok)
    }

    /// Accounts and passwords are the directory's while it signs users in; only the first
    /// administrator keeps a local password (Harbor answers the same).
    private func requireLocalAccounts() async throws {
        let mode = await services.systemSettings.current.authMode
        guard mode == .database else {
            throw APIError.forbidden("local users and passwords are not used when auth_mode is \(mode.rawValue); manage them in the directory")
        }
    }

    func changePassword(_ request: Request, context: some APIContext) async throws -> Response {
        let user = try await selfOrAdmin(context, permission: Permission(.user, .update))
        if user.id != Authenticator.firstAdministratorID { try await requireLocalAccounts() }
        let body = try await JSONBody.decode(PasswordReq.self, from: request)
        let isSelf = Self.userID(context.identity) == user.id
        if isSelf || !context.identity.isAdmin {
            // Changing one's own password needs the old one, administrators included.
            guard let old = body.old_password, PasswordHasher.verify(old, against: user.passwordHash) else {
                await recordUpdate(context, user, "change password of user with name: \(user.username)", succeeded: false)
                throw APIError.forbidden("the old password is wrong")
            }
        }
        if let violation = PasswordPolicy.violation(body.new_password) { throw APIError.badRequest(violation) }
        if PasswordHasher.verify(body.new_password, against: user.passwordHash) {
            throw APIError.badRequest("the new password must differ from the old one")
        }
        _ = try await services.users.updatePassword(id: user.id, passwordHash: try PasswordHasher.hash(body.new_password))
        // Other browsers logged in as the user are logged out; the one that made the change stays.
        try await services.authenticator.sessions?.closeAll(userID: user.id, keeping: isSelf ? SessionCookies.session(of: request.head) : nil)
        await recordUpdate(context, user, "change password of user with name: \(user.username)")
        return JSONResponse.empty(.ok)
    }

    func setAdmin(_ request: Request, context: some APIContext) async throws -> Response {
        // Only a system administrator (never a robot, whatever it holds) makes administrators.
        guard context.identity.isAdmin else { throw APIServices.refusal(context.identity, Permission(.user, .update)) }
        let id = try context.parameters.requiredID("user_id")
        let body = try await JSONBody.decode(UserSysAdminFlag.self, from: request)
        if Self.userID(context.identity) == id { throw APIError.forbidden("administrators cannot change their own admin flag") }
        guard try await services.users.setAdmin(id: id, isAdmin: body.sysadmin_flag) else { throw APIError.notFound("user \(id) not found") }
        if let user = try await services.users.find(id: id) {
            await recordUpdate(context, user, "\(body.sysadmin_flag ? "grant" : "revoke") administrator of user with name: \(user.username)")
        }
        return JSONResponse.empty(.ok)
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.user, .delete))
        let id = try context.parameters.requiredID("user_id")
        if Self.userID(context.identity) == id { throw APIError.forbidden("users cannot delete themselves") }
        guard let user = try await services.users.find(id: id), try await services.users.delete(id: id) else {
            throw APIError.notFound("user \(id) not found")
        }
        await services.recordAudit(context.identity, "delete", "user", user.username, projectID: nil)
        return JSONResponse.empty(.ok)
    }

    /// The user named by `{user_id}` when the caller is that user or holds `permission`.
    private func selfOrAdmin(_ context: some APIContext, permission: Permission) async throws -> User {
        try services.requireAuthenticated(context.identity)
        let id = try context.parameters.requiredID("user_id")
        guard Self.userID(context.identity) == id || services.policy.can(context.identity, system: permission) else {
            throw APIError.forbidden("not allowed to \(permission.action.rawValue) user \(id)")
        }
        guard let user = try await services.users.find(id: id) else { throw APIError.notFound("user \(id) not found") }
        return user
    }

    /// An `update_user` line of the audit log.
    private func recordUpdate(_ context: some APIContext, _ user: User, _ description: String, succeeded: Bool = true) async {
        await services.audit.record(AuditEvent(projectID: nil, operation: "update", resourceType: "user", resource: user.username,
                                               username: context.identity.name ?? "anonymous", description: description, succeeded: succeeded))
    }

    static func userID(_ identity: Identity) -> Int64? {
        if case .user(let id, _, _) = identity { return id }
        return nil
    }

    /// Harbor's rule: 1 to 255 characters, none of `,"~#$%` and not starting with `robot$`.
    static func validateUsername(_ name: String) throws {
        if let violation = UsernamePolicy.violation(name) { throw APIError.badRequest(violation) }
    }
}
