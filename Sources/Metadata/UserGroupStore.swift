import Foundation
import SQLKit

/// Harbor's user groups: LDAP groups (type 1, known by DN), HTTP groups (2) and OIDC groups (3),
/// and which users are in them. Membership is what the directory said at the user's last sign-in:
/// Berth never asks the directory while answering a request.
public struct UserGroupStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    static let columns: SQLQueryString = "id, group_name, group_type, ldap_group_dn, creation_time, update_time"

    /// Creates a group; nil when its DN (LDAP) or its name within its type is taken.
    public func create(name: String, type: UserGroupType, ldapDN: String) async throws -> UserGroup? {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO user_groups (group_name, group_type, ldap_group_dn, creation_time, update_time)
                VALUES (\(bind: name), \(bind: type.rawValue), \(bind: type == .ldap ? Self.normalized(dn: ldapDN) : ""), \(bind: now), \(bind: now))
                ON CONFLICT \(Self.conflictTarget(type)) DO NOTHING
                RETURNING \(Self.columns)
                """).first().map(Self.group)
        }
    }

    public func find(id: Int64) async throws -> UserGroup? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM user_groups WHERE id = \(bind: id)").first().map(Self.group)
        }
    }

    /// Groups by id, filtered by a name fragment and an exact LDAP DN when given.
    public func list(nameContains: String?, ldapDN: String?, page: OffsetRequest) async throws -> Page<UserGroup> {
        try await database.read { db in
            var filter = SQLQueryString(" WHERE 1 = 1")
            if let nameContains, !nameContains.isEmpty { filter.appendContains("group_name", nameContains) }
            if let ldapDN, !ldapDN.isEmpty { filter.appendInterpolation(unsafeRaw: " AND ldap_group_dn = "); filter.appendInterpolation(bind: Self.normalized(dn: ldapDN)) }
            return try await PagedQuery.run(db, columns: Self.columns, from: "user_groups", filter: filter, orderBy: "id", page: page, Self.group)
        }
    }

    /// Renames a group; false when there is none with the id, a conflict when the name is taken.
    public func rename(id: Int64, to name: String) async throws -> Bool {
        try await database.write { db in
            guard let current = try await db.raw("SELECT \(Self.columns) FROM user_groups WHERE id = \(bind: id)").first().map(Self.group) else {
                return false
            }
            if current.type != .ldap {
                let taken = try await db.raw("""
                    SELECT id FROM user_groups WHERE group_type = \(bind: current.type.rawValue) AND group_name = \(bind: name) AND id <> \(bind: id)
                    """).first()
                if taken != nil { throw MetadataError.conflict("a group named \(name) exists") }
            }
            try await db.raw("UPDATE user_groups SET group_name = \(bind: name), update_time = \(bind: WallClock.nowMillis()) WHERE id = \(bind: id)").run()
            return true
        }
    }

    /// Deletes the group, its memberships and its project memberships.
    public func delete(id: Int64) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("DELETE FROM user_groups WHERE id = \(bind: id) RETURNING id").all()).isEmpty
        }
    }

    /// Records the user's groups as a directory sign-in found them: groups not yet known are
    /// created (Harbor onboards them too), and the user's memberships become exactly these.
    /// A sign-in with the groups of the last one, the common case, only reads. Returns the ids.
    @discardableResult
    public func replaceMemberships(userID: Int64, groups: [DirectoryGroupName]) async throws -> [Int64] {
        let (known, current) = try await database.read { db in
            (try await Self.ids(of: groups, in: db), try await Self.memberships(userID: userID, in: db))
        }
        if known.count == Set(groups).count, Array(Set(known.values)).sorted() == current {
            return current
        }
        let now = WallClock.nowMillis()
        return try await database.write { db in
            for group in groups where known[group] == nil {
                try await db.raw("""
                    INSERT INTO user_groups (group_name, group_type, ldap_group_dn, creation_time, update_time)
                    VALUES (\(bind: group.name), \(bind: group.type.rawValue), \(bind: Self.storedDN(group)), \(bind: now), \(bind: now))
                    ON CONFLICT \(Self.conflictTarget(group.type)) DO NOTHING
                    """).run()
            }
            let ids = Array(Set(try await Self.ids(of: groups, in: db).values)).sorted()
            try await db.raw("DELETE FROM user_group_members WHERE user_id = \(bind: userID)").run()
            for id in ids {
                // Another sign-in of the same user may be writing the same rows at once (PostgreSQL).
                try await db.raw("""
                    INSERT INTO user_group_members (user_id, group_id) VALUES (\(bind: userID), \(bind: id)) ON CONFLICT DO NOTHING
                    """).run()
            }
            return ids
        }
    }

    /// The stored ids of the groups that exist, by group.
    static func ids(of groups: [DirectoryGroupName], in db: any SQLDatabase) async throws -> [DirectoryGroupName: Int64] {
        var result: [DirectoryGroupName: Int64] = [:]
        let ldap = groups.filter { $0.type == .ldap }
        if !ldap.isEmpty {
            let byDN = Dictionary(ldap.map { (storedDN($0), $0) }, uniquingKeysWith: { first, _ in first })
            var query = SQLQueryString("SELECT id, ldap_group_dn FROM user_groups WHERE group_type = 1 AND ldap_group_dn IN (")
            query.appendInterpolation(binds: Array(byDN.keys))
            query.appendInterpolation(unsafeRaw: ")")
            for row in try await db.raw(query).all() {
                if let group = byDN[try row.decode(column: "ldap_group_dn", as: String.self)] { result[group] = try row.decode(column: "id", as: Int64.self) }
            }
        }
        for group in groups where group.type != .ldap {
            if let id = try await db.raw("""
                SELECT id FROM user_groups WHERE group_type = \(bind: group.type.rawValue) AND group_name = \(bind: group.name)
                """).first()?.decode(column: "id", as: Int64.self) { result[group] = id }
        }
        return result
    }

    static func memberships(userID: Int64, in db: any SQLDatabase) async throws -> [Int64] {
        try await db.raw("SELECT group_id FROM user_group_members WHERE user_id = \(bind: userID) ORDER BY group_id").all()
            .map { try $0.decode(column: "group_id", as: Int64.self) }
    }

    /// The unique index a group of this type is known by: its DN for LDAP, its name otherwise.
    static func conflictTarget(_ type: UserGroupType) -> SQLQueryString {
        type == .ldap ? "(ldap_group_dn) WHERE group_type = 1" : "(group_type, group_name) WHERE group_type <> 1"
    }

    static func storedDN(_ group: DirectoryGroupName) -> String {
        group.type == .ldap ? normalized(dn: group.ldapDN) : ""
    }

    /// The group of this type with exactly this name (not LDAP) or DN (LDAP).
    public func find(type: UserGroupType, name: String, ldapDN: String) async throws -> UserGroup? {
        try await database.read { db in
            let query: SQLQueryString = type == .ldap
                ? "SELECT \(Self.columns) FROM user_groups WHERE group_type = 1 AND ldap_group_dn = \(bind: Self.normalized(dn: ldapDN))"
                : "SELECT \(Self.columns) FROM user_groups WHERE group_type = \(bind: type.rawValue) AND group_name = \(bind: name)"
            return try await db.raw(query).first().map(Self.group)
        }
    }

    /// The ids of the user's groups.
    public func groupIDs(userID: Int64) async throws -> [Int64] {
        try await database.read { db in
            try await db.raw("SELECT group_id FROM user_group_members WHERE user_id = \(bind: userID) ORDER BY group_id").all()
                .map { try $0.decode(column: "group_id", as: Int64.self) }
        }
    }

    /// DNs compare without case and without spaces around their separators, as Harbor's do.
    public static func normalized(dn: String) -> String {
        dn.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .joined(separator: ",")
    }

    static func group(_ row: any SQLRow) throws -> UserGroup {
        UserGroup(id: try row.decode(column: "id", as: Int64.self),
                  name: try row.decode(column: "group_name", as: String.self),
                  type: UserGroupType(rawValue: try row.decode(column: "group_type", as: Int.self)) ?? .http,
                  ldapDN: try row.decode(column: "ldap_group_dn", as: String.self))
    }
}

public enum UserGroupType: Int, Sendable, CaseIterable {
    case ldap = 1
    case http = 2
    case oidc = 3
}

public struct UserGroup: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let type: UserGroupType
    /// Lower-cased; empty for groups that are not LDAP groups.
    public let ldapDN: String
}

/// A group as a directory names it at sign-in: an LDAP group by its DN, an OIDC group by name.
public struct DirectoryGroupName: Sendable, Equatable, Hashable {
    public let name: String
    public let type: UserGroupType
    public let ldapDN: String

    public init(name: String, type: UserGroupType, ldapDN: String = "") {
        self.name = name
        self.type = type
        self.ldapDN = ldapDN
    }
}
