/// Who is making a request, as established by the authentication middleware.
public enum Identity: Sendable, Equatable {
    case anonymous
    case user(id: Int64, name: String, isAdmin: Bool)

    public var name: String? {
        switch self {
        case .anonymous: nil
        case .user(_, let name, _): name
        }
    }

    public var isAdmin: Bool {
        if case .user(_, _, true) = self { return true }
        return false
    }
}

/// What a caller may do to a repository, in the words of the Docker token scopes.
public enum RepositoryAction: String, Sendable, Hashable, CaseIterable {
    case pull
    case push
    case delete
}
