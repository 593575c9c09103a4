import Access
import HarborAPI
import Hummingbird
import Registry

/// The one request context of the server: it carries what both the registry and the Harbor API
/// middlewares establish, so a single router serves `/v2/`, `/service/token` and `/api/v2.0/`.
public struct BerthRequestContext: RegistryContext, APIContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity = .anonymous
    public var registry = RegistryRequestState()
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
