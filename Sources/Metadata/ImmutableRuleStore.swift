import Foundation
import Selectors
import SQLKit

/// A project's immutable tag rule, Harbor's `ImmutableRule`: tags its tag selectors pick, in
/// repositories its repository selectors pick, can be neither moved nor deleted.
public struct ImmutableRule: Sendable, Equatable {
    public let id: Int64
    public let projectID: Int64
    public let priority: Int
    public let disabled: Bool
    public let tagSelectors: [Selector]
    /// Harbor's `scope_selectors`: `{"repository": [...]}`.
    public let scopeSelectors: [String: [Selector]]
    public let creationTime: Int64
    public let updateTime: Int64

    /// Whether the rule protects `tag` of `repository` (the name inside the project, as Harbor
    /// matches it: `app` for `library/app`).
    public func protects(repository: String, tag: String) -> Bool {
        !disabled && Selector.selects(repository, by: scopeSelectors["repository"] ?? [])
            && Selector.selects(tag, by: tagSelectors)
    }
}

/// The `immutable_rules` table, and the one question every write path asks of it.
public struct ImmutableRuleStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// Of `tags` in `repository` (a full name, `project/...`), those an enabled rule protects.
    public func protectedTags(_ tags: [String], in repository: String, projectID: Int64) async throws -> [String] {
        guard !tags.isEmpty else { return [] }
        let rules = try await database.read { db in
            try await db.raw("SELECT * FROM immutable_rules WHERE project_id = \(bind: projectID) AND disabled = FALSE").all().map(Self.rule)
        }
        guard !rules.isEmpty else { return [] }
        let inProject = repository.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init) ?? repository
        return tags.filter { tag in rules.contains { $0.protects(repository: inProject, tag: tag) } }
    }

    /// Throws `tagImmutable` when a push of `digest` would move one of `tags` that a rule protects
    /// (a first push of a protected tag, or a re-push of the same digest, is allowed).
    public func refuseMoving(_ tags: [String], to digest: String, in repository: String, projectID: Int64) async throws {
        guard !tags.isEmpty else { return }
        let current = try await database.read { db -> [String: String] in
            var query = SQLQueryString("""
                SELECT t.name, m.digest FROM tags t JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id
                WHERE r.name = \(bind: repository) AND t.name IN (
                """)
            query.appendInterpolation(binds: tags)
            query.appendInterpolation(unsafeRaw: ")")
            return Dictionary(try await db.raw(query).all().map { (try $0.decode(column: "name", as: String.self), try $0.decode(column: "digest", as: String.self)) },
                              uniquingKeysWith: { a, _ in a })
        }
        let moving = tags.filter { current[$0] != nil && current[$0] != digest }
        if let tag = try await protectedTags(moving, in: repository, projectID: projectID).first {
            throw MetadataError.tagImmutable(repository: repository, tag: tag, moving: true)
        }
    }

    /// Throws `tagImmutable` when deleting these tags (or the artifact that carries them) would remove
    /// a protected one.
    public func refuseDeleting(_ tags: [String], in repository: String, projectID: Int64) async throws {
        if let tag = try await protectedTags(tags, in: repository, projectID: projectID).first {
            throw MetadataError.tagImmutable(repository: repository, tag: tag, moving: false)
        }
    }

    /// Every tag of `repository` (a repository delete removes them all).
    public func tags(ofRepository repository: String) async throws -> [String] {
        try await database.read { db in
            try await db.raw("""
                SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.name = \(bind: repository)
                """).all().map { try $0.decode(column: "name", as: String.self) }
        }
    }

    /// The tags of the artifact `digest` in `repository`.
    public func tags(ofDigest digest: String, in repository: String) async throws -> [String] {
        try await database.read { db in
            try await db.raw("""
                SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id
                WHERE r.name = \(bind: repository) AND m.digest = \(bind: digest)
                """).all().map { try $0.decode(column: "name", as: String.self) }
        }
    }

    @discardableResult
    public func create(projectID: Int64, priority: Int, disabled: Bool, tagSelectors: [Selector],
                       scopeSelectors: [String: [Selector]]) async throws -> Int64 {
        let now = WallClock.nowMillis()
        let (tags, scopes) = Self.encode(tagSelectors, scopeSelectors)
        return try await database.write { db in
            guard let row = try await db.raw("""
                INSERT INTO immutable_rules (project_id, priority, disabled, tag_selectors, scope_selectors, creation_time, update_time)
                VALUES (\(bind: projectID), \(bind: priority), \(bind: disabled), \(bind: tags), \(bind: scopes), \(bind: now), \(bind: now))
                RETURNING id
                """).first() else { throw MetadataError.conflict("the rule was not stored") }
            return try row.decode(column: "id", as: Int64.self)
        }
    }

    /// Replaces a rule of the project; false when the project has no such rule.
    public func update(id: Int64, projectID: Int64, priority: Int, disabled: Bool, tagSelectors: [Selector],
                       scopeSelectors: [String: [Selector]]) async throws -> Bool {
        let (tags, scopes) = Self.encode(tagSelectors, scopeSelectors)
        return try await database.write { db in
            !(try await db.raw("""
                UPDATE immutable_rules SET priority = \(bind: priority), disabled = \(bind: disabled), tag_selectors = \(bind: tags),
                    scope_selectors = \(bind: scopes), update_time = \(bind: WallClock.nowMillis())
                WHERE id = \(bind: id) AND project_id = \(bind: projectID) RETURNING id
                """).all()).isEmpty
        }
    }

    public func delete(id: Int64, projectID: Int64) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("DELETE FROM immutable_rules WHERE id = \(bind: id) AND project_id = \(bind: projectID) RETURNING id").all()).isEmpty
        }
    }

    public func rule(id: Int64, projectID: Int64) async throws -> ImmutableRule? {
        try await database.read { db in
            try await db.raw("SELECT * FROM immutable_rules WHERE id = \(bind: id) AND project_id = \(bind: projectID)").first().map(Self.rule)
        }
    }

    /// The project's rules by priority, then id.
    public func list(projectID: Int64, page: OffsetRequest) async throws -> Page<ImmutableRule> {
        try await database.read { db in
            try await PagedQuery.run(db, columns: "*", from: "immutable_rules", filter: " WHERE project_id = \(bind: projectID)",
                                     orderBy: "priority, id", page: page, Self.rule)
        }
    }

    static func encode(_ tags: [Selector], _ scopes: [String: [Selector]]) -> (String, String) {
        (CanonicalJSON.string(tags), CanonicalJSON.string(scopes))
    }

    static func rule(_ row: any SQLRow) throws -> ImmutableRule {
        let decoder = JSONDecoder()
        return ImmutableRule(
            id: try row.decode(column: "id", as: Int64.self), projectID: try row.decode(column: "project_id", as: Int64.self),
            priority: try row.decode(column: "priority", as: Int.self), disabled: try row.decode(column: "disabled", as: Bool.self),
            tagSelectors: try decoder.decode([Selector].self, from: Data(try row.decode(column: "tag_selectors", as: String.self).utf8)),
            scopeSelectors: try decoder.decode([String: [Selector]].self, from: Data(try row.decode(column: "scope_selectors", as: String.self).utf8)),
            creationTime: try row.decode(column: "creation_time", as: Int64.self), updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}
