import Access
import Foundation
import Metadata

/// Turns a Harbor `UserGroup` body into a stored group, for `POST /usergroups` and for a
/// `member_group` added to a project: an LDAP group must exist in the directory (its name is
/// taken from there when not given); an OIDC or HTTP group is its name.
struct UserGroupOnboarding {
    let services: APIServices

    /// Creates the group the body describes; 409 when it exists.
    func create(_ body: UserGroupBody) async throws -> UserGroup {
        let (name, type, dn) = try await validated(body)
        guard let group = try await services.userGroups.create(name: name, type: type, ldapDN: dn) else {
            throw APIError.conflict(type == .ldap ? "a group with the DN \(dn) exists" : "a group named \(name) exists")
        }
        return group
    }

    /// The group the body names: by id, else the stored group with its DN or name, else a new one.
    func resolve(_ body: UserGroupBody) async throws -> UserGroup {
        if let id = body.id, id > 0 {
            guard let group = try await services.userGroups.find(id: id) else { throw APIError.notFound("user group \(id) not found") }
            return group
        }
        let (name, type, dn) = try await validated(body)
        if let existing = try await stored(name: name, type: type, dn: dn) { return existing }
        if let created = try await services.userGroups.create(name: name, type: type, ldapDN: dn) { return created }
        // Created by another request since the look-up.
        guard let existing = try await stored(name: name, type: type, dn: dn) else { throw APIError.conflict("the group changed; try again") }
        return existing
    }

    private func stored(name: String, type: UserGroupType, dn: String) async throws -> UserGroup? {
        try await services.userGroups.find(type: type, name: name, ldapDN: dn)
    }

    /// The name, type and DN to store, or why the body does not describe a group.
    private func validated(_ body: UserGroupBody) async throws -> (String, UserGroupType, String) {
        let mode = await services.systemSettings.current.authMode
        let dn = (body.ldap_group_dn ?? "").trimmingCharacters(in: .whitespaces)
        let type: UserGroupType
        if let raw = body.group_type, raw != 0 {
            guard let known = UserGroupType(rawValue: raw) else { throw APIError.badRequest("group_type must be 1 (LDAP), 2 (HTTP) or 3 (OIDC)") }
            type = known
        } else {
            type = !dn.isEmpty || mode == .ldap ? .ldap : .oidc
        }
        var name = (body.group_name ?? "").trimmingCharacters(in: .whitespaces)
        guard name.utf8.count <= 255 else { throw APIError.badRequest("group_name must be at most 255 bytes") }
        guard type == .ldap else {
            guard !name.isEmpty else { throw APIError.badRequest("group_name is required") }
            return (name, type, "")
        }
        guard mode == .ldap else { throw APIError.badRequest("LDAP groups can be added only when auth_mode is ldap_auth") }
        guard !dn.isEmpty else { throw APIError.badRequest("ldap_group_dn is required for an LDAP group") }
        guard let found = try await services.ldap.groups(containing: nil, dn: dn).first else {
            throw APIError.badRequest("the LDAP group \(dn) is not in the directory under ldap_group_base_dn's filter")
        }
        if name.isEmpty { name = found.name }
        return (name, .ldap, found.ldapDN)
    }
}
