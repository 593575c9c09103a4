import Access
import Hummingbird
import Metadata

/// Per-request state shared by the registry middlewares and handlers. Identity is set by the
/// authentication middleware; route and project by the authorization middleware, so handlers
/// never parse paths or check permissions themselves.
public struct RegistryRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity = .anonymous
    public var route: RegistryRoute?
    public var project: Project?
    /// What the caller may do in `project`; handlers consult it for secondary checks (mount source).
    public var allowedActions: Set<RepositoryAction> = []

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
