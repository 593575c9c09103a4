import Access
import Metadata

/// What the API handlers work with.
public struct APIServices: Sendable {
    public let database: MetadataDatabase
    public let users: UserStore
    public let projects: ProjectStore
    public let members: MemberStore
    public let robots: RobotStore
    public let repositories: RepositoryStore
    public let policy: any AccessPolicy
    public let authenticator: Authenticator
    public let signer: TokenSigner
    /// Lifetime of registry tokens in seconds (Harbor's `token_expiration`, 30 minutes).
    public let tokenLifetime: Int64

    public init(database: MetadataDatabase, policy: any AccessPolicy, authenticator: Authenticator,
                signer: TokenSigner, tokenLifetime: Int64 = 1800) {
        self.database = database
        self.users = UserStore(database: database)
        self.projects = ProjectStore(database: database)
        self.members = MemberStore(database: database)
        self.robots = RobotStore(database: database)
        self.repositories = RepositoryStore(database: database)
        self.policy = policy
        self.authenticator = authenticator
        self.signer = signer
        self.tokenLifetime = tokenLifetime
    }
}
