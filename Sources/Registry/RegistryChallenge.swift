import Access
import HTTPTypes
import Hummingbird
import OCI

/// Builds the `WWW-Authenticate` header of 401 answers. Docker clients read the Bearer realm and
/// scope to fetch a token from the token service; Harbor answers a rejected Basic login with a
/// Basic challenge.
public struct RegistryChallenge: Sendable {
    /// The token service's URL; when nil it is derived from the request's Host.
    let realm: String?
    public static let service = "harbor-registry"

    public init(externalURL: String?) {
        realm = externalURL.map { $0 + "/service/token" }
    }

    func bearer(for request: Request, scope: String?, error: String? = nil) -> String {
        let host = request.head.authority ?? "localhost"
        var value = "Bearer realm=\"\(realm ?? "http://\(host)/service/token")\",service=\"\(Self.service)\""
        if let scope { value += ",scope=\"\(scope)\"" }
        if let error { value += ",error=\"\(error)\"" }
        return value
    }

    static let basic = "Basic realm=\"harbor\""

    /// The scope a client needs for `route` (`repository:<name>:pull,push`).
    static func scope(route: RegistryRoute, action: RepositoryAction) -> String? {
        switch route {
        case .base: return nil
        case .catalog: return "registry:catalog:*"
        default:
            guard let repository = route.repository else { return nil }
            let actions = switch action {
            case .pull, .scannerPull: "pull"
            case .push: "pull,push"
            case .delete: "delete"
            }
            return "repository:\(repository):\(actions)"
        }
    }

    func unauthorized(_ message: String, request: Request, route: RegistryRoute?, action: RepositoryAction) -> RegistryError {
        .unauthorized(message, challenge: bearer(for: request, scope: route.flatMap { Self.scope(route: $0, action: action) }))
    }
}
