import Access
import Metadata

// Request and response bodies, field for field as in Harbor's swagger (`definitions`).

struct UserResp: Encodable {
    let user_id: Int64
    let username: String
    let email: String?
    let realname: String?
    let comment: String?
    let sysadmin_flag: Bool
    let admin_role_in_auth: Bool
    let creation_time: String
    let update_time: String
    /// Only in an OIDC user's own profile.
    var oidc_user_meta: OIDCUserInfo?

    init(_ user: User) {
        user_id = user.id
        username = user.username
        email = user.email
        realname = user.realname
        comment = user.comment
        sysadmin_flag = user.isAdmin
        admin_role_in_auth = user.isGroupAdmin
        creation_time = Timestamp.rfc3339(millis: user.createdAt)
        update_time = Timestamp.rfc3339(millis: user.updatedAt)
    }
}

/// Harbor's `OIDCUserInfo`; `id` is the user's, as Berth keeps one record per user.
struct OIDCUserInfo: Encodable {
    let id: Int64
    let user_id: Int64
    /// Harbor's name: the subject and the issuer, concatenated.
    let subiss: String
    let secret: String
    let creation_time: String
    let update_time: String
}

/// Harbor's `OIDCCliSecretReq`.
struct OIDCCliSecretReq: Decodable {
    let secret: String
}

struct UserSearchRespItem: Encodable {
    let user_id: Int64
    let username: String
}

struct UserCreationReq: Decodable {
    let username: String
    let password: String
    let email: String?
    let realname: String?
    let comment: String?
}

struct UserProfile: Decodable {
    let email: String?
    let realname: String?
    let comment: String?
}

struct PasswordReq: Decodable {
    let old_password: String?
    let new_password: String
}

struct UserSysAdminFlag: Decodable {
    let sysadmin_flag: Bool
}

struct ProjectResp: Encodable {
    let project_id: Int64
    let owner_id: Int64?
    let name: String
    let owner_name: String?
    let creation_time: String
    let update_time: String
    let deleted: Bool
    let togglable: Bool
    let current_user_role_id: Int?
    let current_user_role_ids: [Int]?
    let repo_count: Int64
    let metadata: [String: String]
    let cve_allowlist: CVEAllowlistBody
    /// Set for proxy-cache projects: the registry endpoint they cache.
    let registry_id: Int64?
}

struct ProjectReq: Decodable {
    let project_name: String?
    let `public`: Bool?
    let metadata: [String: String]?
    let cve_allowlist: CVEAllowlistBody?
    let storage_limit: Int64?
    let registry_id: Int64?
}

struct ProjectSummary: Encodable {
    let quota: ProjectSummaryQuota?
    let repo_count: Int64
    let project_admin_count: Int64
    let maintainer_count: Int64
    let developer_count: Int64
    let guest_count: Int64
    let limited_guest_count: Int64
}

struct ProjectSummaryQuota: Encodable {
    let hard: [String: Int64]
    let used: [String: Int64]
}

struct ProjectMemberEntity: Encodable {
    let id: Int64
    let project_id: Int64
    let entity_name: String
    let role_name: String
    let role_id: Int
    let entity_id: Int64
    let entity_type: String

    init(_ member: Member) {
        id = member.id
        project_id = member.projectID
        entity_name = member.entityName
        role_id = member.role
        role_name = ProjectRole(rawValue: member.role)?.name ?? "unknown"
        switch member.entity {
        case .user(let id): (entity_id, entity_type) = (id, "u")
        case .group(let id): (entity_id, entity_type) = (id, "g")
        }
    }
}

struct ProjectMemberReq: Decodable {
    struct UserEntity: Decodable {
        let user_id: Int64?
        let username: String?
    }
    let role_id: Int
    let member_user: UserEntity?
    let member_group: UserGroupBody?
}

/// Harbor's `UserGroup`: in requests every field is optional.
struct UserGroupBody: Codable {
    var id: Int64?
    var group_name: String?
    var group_type: Int?
    var ldap_group_dn: String?

    init(id: Int64? = nil, group_name: String? = nil, group_type: Int? = nil, ldap_group_dn: String? = nil) {
        self.id = id
        self.group_name = group_name
        self.group_type = group_type
        self.ldap_group_dn = ldap_group_dn
    }

    init(_ group: UserGroup) {
        self.init(id: group.id, group_name: group.name, group_type: group.type.rawValue,
                  ldap_group_dn: group.type == .ldap ? group.ldapDN : nil)
    }
}

struct RoleRequest: Decodable {
    let role_id: Int
}

struct RobotResp: Encodable {
    let id: Int64
    let name: String
    let description: String?
    let level: String
    let duration: Int64
    let editable: Bool
    let disable: Bool
    let expires_at: Int64
    let permissions: [RobotPermission]
    let creation_time: String
    let update_time: String
}

struct RobotCreate: Decodable {
    let name: String
    let description: String?
    let secret: String?
    let level: String
    let disable: Bool?
    let duration: Int64?
    let permissions: [RobotPermission]
}

struct RobotUpdate: Decodable {
    let description: String?
    let level: String?
    let disable: Bool?
    let duration: Int64?
    let permissions: [RobotPermission]?
}

struct RobotCreated: Encodable {
    let id: Int64
    let name: String
    let secret: String
    let creation_time: String
    let expires_at: Int64
}

struct RobotSec: Codable {
    let secret: String?
}
