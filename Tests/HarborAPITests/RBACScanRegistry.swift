import Foundation
import OCI
import Registry

/// The `/v2/` endpoints. The router sends every `/v2/**` request to one handler that parses a
/// `RegistryRoute`, so the endpoints are enumerated from that type: `init(_:)` is an exhaustive
/// switch, and a case added to `RegistryRoute` does not compile until the scan knows it.
enum RegistryKind: String, CaseIterable, Sendable {
    case base, catalog, tags, manifest, blob, uploads, upload, referrers

    init(_ route: RegistryRoute) {
        switch route {
        case .base: self = .base
        case .catalog: self = .catalog
        case .tags: self = .tags
        case .manifest: self = .manifest
        case .blob: self = .blob
        case .uploads: self = .uploads
        case .upload: self = .upload
        case .referrers: self = .referrers
        }
    }

    var isSystem: Bool { self == .base || self == .catalog }

    /// The methods the endpoint serves (OCI distribution); the others must be refused or 405.
    var methods: Set<String> {
        switch self {
        case .base: ["GET", "HEAD"]
        case .catalog, .tags, .referrers: ["GET"]
        case .manifest: ["GET", "HEAD", "PUT", "DELETE"]
        case .blob: ["GET", "HEAD", "DELETE"]
        case .uploads: ["POST"]
        case .upload: ["GET", "PATCH", "PUT", "DELETE"]
        }
    }

    /// A path of the endpoint in `project` (nil for base and catalog). Deletes name objects made
    /// for them; the rest read `app:v1`.
    func path(method: String, _ p: ScanProjectFixture?) -> String {
        switch self {
        case .base: return "/v2/"
        case .catalog: return "/v2/_catalog"
        case .tags: return "/v2/\(p!.name)/app/tags/list"
        case .manifest:
            return method == "DELETE" ? "/v2/\(p!.name)/v2doomed/manifests/\(p!.registryDoomedDigest)" : "/v2/\(p!.name)/app/manifests/v1"
        case .blob:
            return method == "DELETE" ? "/v2/\(p!.name)/v2doomed/blobs/\(p!.registryDoomedLayer)" : "/v2/\(p!.name)/app/blobs/\(p!.appLayer)"
        case .uploads: return "/v2/\(p!.name)/app/blobs/uploads/"
        case .upload: return "/v2/\(p!.name)/app/blobs/uploads/\(p!.uploadID)"
        case .referrers: return "/v2/\(p!.name)/app/referrers/\(p!.appDigest)"
        }
    }

    func isDestructive(_ method: String) -> Bool {
        method == "DELETE" && [.manifest, .blob, .upload].contains(self)
    }

    /// Harbor's action for the request (`v2auth/access.go`): GET and HEAD pull, POST, PUT and
    /// PATCH push, DELETE delete; `login` for `/v2/`, `catalog` for the catalog. Berth asks push
    /// for every request of an upload session (Harbor: pull for its status, delete to cancel it).
    func action(_ method: String) -> String {
        switch self {
        case .base: return "login"
        case .catalog: return "catalog"
        case .uploads, .upload: return "push"
        default:
            switch method {
            case "GET", "HEAD": return "pull"
            case "DELETE": return "delete"
            default: return "push"
            }
        }
    }
}

enum RegistryExpectation: Equatable, CustomStringConvertible {
    case allowed
    case refused(Int)
    /// A method the endpoint does not serve: never a success, whoever asks.
    case unsupported

    var description: String {
        switch self {
        case .allowed: "allowed"
        case .refused(let status): "refused \(status)"
        case .unsupported: "refused or 405"
        }
    }
}

extension RegistryKind {
    /// What `/v2/` answers `caller`: no `Authorization` header is always a 401 challenge; wrong
    /// credentials 401; a token (or `Basic Og==`) lacking the action a 401 challenge, so the
    /// client fetches a token; a Basic user or robot lacking it 403 `DENIED` (Berth's documented
    /// choice: Harbor answers 401 there too).
    func expectation(_ method: String, _ caller: ScanCaller, _ project: ScanProject?) -> RegistryExpectation {
        guard methods.contains(method) else { return .unsupported }
        let action = action(method)
        switch caller {
        case .anonymous, .disabledRobot, .expiredRobot:
            return .refused(401)
        case .emptyBasic:
            return action == "pull" && project?.isPublic == true ? .allowed : .refused(401)
        case .developerToken, .anonymousToken:
            switch action {
            case "login": return caller == .developerToken ? .allowed : .refused(401)
            case "catalog": return .refused(401)
            default:
                let granted = caller == .developerToken && Requirement.project("repository", action).permits(.developer, in: project)
                let publicPull = action == "pull" && project?.isPublic == true
                return granted || publicPull ? .allowed : .refused(401)
            }
        default:
            switch action {
            case "login": return .allowed
            case "catalog": return Requirement.system("catalog", "read").permits(caller, in: nil) ? .allowed : .refused(403)
            default: return Requirement.project("repository", action).permits(caller, in: project) ? .allowed : .refused(403)
            }
        }
    }
}
