import Access
import Hummingbird
import Metadata

/// What the registry needs from the request context. The server's context type conforms to this
/// and to the Harbor API's, so one router serves both; identity is set by the authentication
/// middleware, `registry` by the authorization middleware, and handlers never parse paths or check
/// permissions themselves.
public protocol RegistryContext: RequestContext {
    var identity: Identity { get set }
    var registry: RegistryRequestState { get set }
    /// The caller's address, for login throttling.
    var remoteAddress: String? { get }
}

public struct RegistryRequestState: Sendable {
    public var route: RegistryRoute?
    public var project: Project?
    /// Whether a pull policy of `project` is on (content trust, vulnerability prevention): when
    /// not, a manifest pull skips reading the policy inputs.
    public var projectHasPullGates = true
    /// The change clock as it stood before this request read any row (`PullCache`).
    public var stamp: ChangeStamp?

    public init() {}
}
