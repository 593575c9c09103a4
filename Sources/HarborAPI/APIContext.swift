import Access
import Hummingbird

/// What the Harbor API needs from the request context (the server's context type conforms to this
/// and to the registry's).
public protocol APIContext: RequestContext {
    var identity: Identity { get set }
    /// The caller's address, for login throttling and audit.
    var remoteAddress: String? { get }
}
