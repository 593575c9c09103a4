/// Who is making a request, as established by the authentication middlewares.
public enum Identity: Sendable, Equatable {
    case anonymous
    case user(id: Int64, name: String, isAdmin: Bool)
    case robot(RobotIdentity)
    /// A bearer token from the token service: what it grants is in the token itself.
    case token(TokenGrant)

    /// The name audit logs and token subjects use; nil for anonymous callers.
    public var name: String? {
        switch self {
        case .anonymous: nil
        case .user(_, let name, _): name
        case .robot(let robot): robot.name
        case .token(let grant): grant.subject.isEmpty ? nil : grant.subject
        }
    }

    public var isAdmin: Bool {
        if case .user(_, _, true) = self { return true }
        return false
    }

    public var isAuthenticated: Bool { name != nil }
}

/// A robot account that authenticated with its secret.
public struct RobotIdentity: Sendable, Equatable {
    public let id: Int64
    /// Login name, `robot$<project>+<name>` or `robot$<name>`.
    public let name: String
    public let permissions: [RobotPermission]

    public init(id: Int64, name: String, permissions: [RobotPermission]) {
        self.id = id
        self.name = name
        self.permissions = permissions
    }
}

/// Harbor's robot permission entry: `{"kind":"project","namespace":"library","access":[...]}`.
public struct RobotPermission: Codable, Sendable, Equatable {
    public var kind: String
    public var namespace: String
    public var access: [RobotAccess]

    public init(kind: String, namespace: String, access: [RobotAccess]) {
        self.kind = kind
        self.namespace = namespace
        self.access = access
    }
}

public struct RobotAccess: Codable, Sendable, Equatable {
    public var resource: String
    public var action: String
    public var effect: String?

    public init(resource: String, action: String, effect: String? = "allow") {
        self.resource = resource
        self.action = action
        self.effect = effect
    }
}

/// What a verified bearer token allows: repository actions keyed by repository name.
public struct TokenGrant: Sendable, Equatable {
    public let subject: String
    public let repositories: [String: Set<RepositoryAction>]
    public let catalog: Bool
    /// Unix seconds; a token older than a project grants nothing in it (the project may have been
    /// deleted and created again by someone else).
    public let issuedAt: Int64

    public init(subject: String, repositories: [String: Set<RepositoryAction>], catalog: Bool, issuedAt: Int64 = .max) {
        self.subject = subject
        self.repositories = repositories
        self.catalog = catalog
        self.issuedAt = issuedAt
    }

    public init(claims: TokenClaims) {
        var repositories: [String: Set<RepositoryAction>] = [:]
        var catalog = false
        for entry in claims.access {
            switch entry.type {
            case "repository":
                let actions = entry.actions.flatMap { $0 == "*" ? RepositoryAction.allCases : [RepositoryAction(rawValue: $0)].compactMap { $0 } }
                repositories[entry.name, default: []].formUnion(actions)
            case "registry" where entry.name == "catalog":
                catalog = !entry.actions.isEmpty
            default:
                continue
            }
        }
        self.init(subject: claims.sub, repositories: repositories, catalog: catalog, issuedAt: claims.iat)
    }
}

/// What a caller may do to a repository, in the words of the Docker token scopes.
public enum RepositoryAction: String, Sendable, Hashable, CaseIterable {
    case pull
    case push
    case delete
    /// Only in tokens Berth mints for an external scanner's scan of one repository: the pull gate
    /// lets it read images it has not judged yet. The token service never grants it.
    case scannerPull = "scanner-pull"
}
