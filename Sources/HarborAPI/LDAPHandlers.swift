import Access
import Foundation
import Directory
import Hummingbird
import Metadata

/// `/api/v2.0/ldap/...`: testing LDAP settings, and looking up and importing the directory's
/// users and groups. System administrators only, as in Harbor.
struct LDAPHandlers {
    let services: APIServices

    /// Tests the stored settings, or those of the body over them. An empty search password keeps
    /// the stored one (the portal never has it) only while the URL and search DN are the stored
    /// ones: the stored password is never sent to a server the request names. A failure is
    /// `success: false` with the directory's reason, not an error status: the settings were tested.
    func ping(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.configuration, .update))
        let body = try await JSONBody.decodeIfPresent(LdapConf.self, from: request)
        var settings: LDAPSettings
        do {
            settings = try LDAPSettings(await services.systemSettings.current, sealer: services.sealer)
        } catch {
            throw APIError.internal("the stored LDAP search password cannot be opened")
        }
        if let body {
            let stored = settings
            try body.apply(to: &settings)
            if (body.ldap_search_password ?? "").isEmpty, settings.url != stored.url || settings.searchDN != stored.searchDN {
                settings.searchPassword = ""
            }
        }
        let problem = await LDAPDirectory.ping(settings)
        return try JSONResponse.ok(LdapPingResult(success: problem == nil, message: problem ?? "LDAP settings work"))
    }

    func searchUsers(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.ldapUser, .list))
        let name = request.uri.queryParameters["username"].map(String.init) ?? ""
        let users = try await services.ldap.users(containing: name)
        return try JSONResponse.ok(users.map { LdapUser(username: $0.username, realname: $0.realname ?? "", email: $0.email ?? "") })
    }

    /// Creates the listed directory users in Berth; 404 with the ones that could not be.
    func importUsers(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.ldapUser, .create))
        guard await services.systemSettings.current.authMode == .ldap else {
            throw APIError.precondition("directory users are imported only when auth_mode is ldap_auth")
        }
        let body = try await JSONBody.decode(LdapImportUsers.self, from: request)
        guard !body.ldap_uid_list.isEmpty, body.ldap_uid_list.count <= 1_000 else {
            throw APIError.badRequest("ldap_uid_list must name 1 to 1000 users")
        }
        var failures: [LdapFailedImportUser] = []
        for uid in body.ldap_uid_list {
            let trimmed = uid.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { failures.append(.init(uid: uid, error: "empty uid")); continue }
            guard let account = try await services.ldap.user(named: trimmed) else {
                failures.append(.init(uid: uid, error: "not found in the directory"))
                continue
            }
            // A plain insert: a user who exists (signed in meanwhile, or local) is left as is.
            guard try await services.users.create(username: account.username, passwordHash: "", isAdmin: false,
                                                  email: account.email, realname: account.realname) != nil else {
                failures.append(.init(uid: uid, error: "user already exists"))
                continue
            }
            await services.recordAudit(context.identity, "create", "user", account.username, projectID: nil)
        }
        return failures.isEmpty ? JSONResponse.empty(.ok) : try JSONResponse.ok(failures, status: .notFound)
    }

    func searchGroups(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.ldapUser, .list))
        let query = request.uri.queryParameters
        let groups = try await services.ldap.groups(containing: query["groupname"].map(String.init), dn: query["groupdn"].map(String.init))
        return try JSONResponse.ok(groups.map { UserGroupBody(group_name: $0.name, group_type: UserGroupType.ldap.rawValue, ldap_group_dn: $0.ldapDN) })
    }
}

/// Harbor's `LdapConf`: the settings `/ldap/ping` tests, each optional.
struct LdapConf: Decodable {
    let ldap_url: String?
    let ldap_search_dn: String?
    let ldap_search_password: String?
    let ldap_base_dn: String?
    let ldap_filter: String?
    let ldap_uid: String?
    let ldap_scope: Int64?
    let ldap_connection_timeout: Int64?
    let ldap_verify_cert: Bool?
    /// Berth's own, as in `/configurations`.
    let ldap_start_tls: Bool?

    func apply(to settings: inout LDAPSettings) throws {
        if let ldap_url { settings.url = ldap_url.trimmingCharacters(in: .whitespaces) }
        if let ldap_search_dn { settings.searchDN = ldap_search_dn.trimmingCharacters(in: .whitespaces) }
        if let ldap_search_password, !ldap_search_password.isEmpty { settings.searchPassword = ldap_search_password }
        if let ldap_base_dn { settings.baseDN = ldap_base_dn.trimmingCharacters(in: .whitespaces) }
        if let ldap_filter { settings.filter = LDAPSettings.normalized(filter: ldap_filter) }
        if let ldap_uid { settings.uidAttribute = ldap_uid.trimmingCharacters(in: .whitespaces) }
        if let ldap_scope {
            guard let scope = LDAPSettings.scope(harborValue: ldap_scope) else { throw APIError.badRequest("ldap_scope must be 0, 1 or 2") }
            settings.scope = scope
        }
        if let ldap_connection_timeout {
            guard (1...300).contains(ldap_connection_timeout) else { throw APIError.badRequest("ldap_connection_timeout must be 1 to 300 seconds") }
            settings.timeout = .seconds(ldap_connection_timeout)
        }
        if let ldap_verify_cert { settings.verifyCertificate = ldap_verify_cert }
        if let ldap_start_tls { settings.startTLS = ldap_start_tls }
    }
}

struct LdapPingResult: Encodable {
    let success: Bool
    let message: String
}

struct LdapUser: Encodable {
    let username: String
    let realname: String
    let email: String
}

struct LdapImportUsers: Decodable {
    let ldap_uid_list: [String]
}

struct LdapFailedImportUser: Encodable {
    let uid: String
    let error: String
}
