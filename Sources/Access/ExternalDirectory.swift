import Metadata

/// A directory that checks passwords of users Berth does not hold itself (LDAP), and says
/// which groups they are in.
public protocol ExternalDirectory: Sendable {
    /// The account, when the directory holds the user and the password is theirs; nil when it
    /// does not or it is wrong. Throws `DirectoryUnavailable` when the directory cannot say.
    func verify(username: String, password: String) async throws -> DirectoryAccount?
}

/// A user as the directory describes them at sign-in.
public struct DirectoryAccount: Sendable, Equatable {
    /// The name the user signs in with (the directory's spelling of it).
    public let username: String
    public let email: String?
    public let realname: String?
    public let groups: [DirectoryGroupName]
    /// In the directory's administrators' group.
    public let isAdmin: Bool

    public init(username: String, email: String?, realname: String?, groups: [DirectoryGroupName], isAdmin: Bool) {
        self.username = username
        self.email = email
        self.realname = realname
        self.groups = groups
        self.isAdmin = isAdmin
    }
}

/// The directory could not be asked (down, slow, misconfigured): sign-in fails with 503, not
/// as a wrong password, so that clients retry and operators look at the directory.
public struct DirectoryUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// What any caller is told: the kind of failure, without hosts, DNs or filters (the caller
    /// may not even be signed in).
    public let message: String
    /// The whole story, for the server's log and for administrators testing settings.
    public let detail: String

    public init(_ message: String, detail: String? = nil) {
        self.message = message
        self.detail = detail ?? message
    }

    public var description: String { detail }
}
