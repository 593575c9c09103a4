import Access
import HTTPTypes
import Hummingbird
import Metadata

/// The `/v2/` API in one table: which handler answers which route and method. Middlewares run in
/// the order listed in `install`: errors outermost, then identity, then permission.
public enum RegistryRoutes {
    public static func install<Context: RegistryContext>(on router: Router<Context>, backend: RegistryBackend,
                                                         authenticator: Authenticator, challenge: RegistryChallenge) {
        let blobs = BlobHandlers(backend: backend)
        let uploads = UploadHandlers(backend: backend)
        let manifests = ManifestHandlers(backend: backend)
        let listings = ListingHandlers(backend: backend)

        let dispatch: @Sendable (Request, Context) async throws -> Response = { request, context in
            guard let route = context.registry.route else { throw RegistryError(.unknown, "no route") }
            if let project = context.registry.project, project.registryID != nil, [.put, .post, .patch].contains(request.method) {
                throw RegistryError(.denied, "can not push artifact to a proxy project: \(project.name)")
            }
            switch (route, request.method) {
            case (.base, .get), (.base, .head):
                return Response(status: .ok, headers: [.contentType: "application/json", .contentLength: "2"],
                                body: .init(byteBuffer: .init(string: "{}")))
            case (.catalog, .get):
                return try await listings.catalog(request)
            case (.tags(let name), .get):
                return try await listings.tags(request, repository: name)
            case (.referrers(let name, let digest), .get):
                return try await listings.referrers(request, repository: name, subject: digest)
            case (.manifest(let name, let reference), .get), (.manifest(let name, let reference), .head):
                return try await manifests.get(request, context: context, repository: name, reference: reference)
            case (.manifest(let name, let reference), .put):
                return try await manifests.put(request, context: context, repository: name, reference: reference)
            case (.manifest(let name, let reference), .delete):
                return try await manifests.delete(context: context, repository: name, reference: reference)
            case (.blob(let name, let digest), .get), (.blob(let name, let digest), .head):
                return try await blobs.get(request, context: context, repository: name, digest: digest)
            case (.blob(let name, let digest), .delete):
                return try await blobs.delete(repository: name, digest: digest)
            case (.uploads(let name), .post):
                return try await uploads.start(request, context: context, repository: name)
            case (.upload(let name, let id), .get):
                return try await uploads.status(repository: name, id: id)
            case (.upload(let name, let id), .patch):
                return try await uploads.patch(request, repository: name, id: id)
            case (.upload(let name, let id), .put):
                return try await uploads.put(request, context: context, repository: name, id: id)
            case (.upload(let name, let id), .delete):
                return try await uploads.cancel(repository: name, id: id)
            default:
                throw RegistryError(.unsupported, "\(request.method) is not supported here", status: .methodNotAllowed)
            }
        }

        let group = router.group("v2")
            .add(middleware: RegistryErrorMiddleware<Context>())
            .add(middleware: AuthenticationMiddleware<Context>(authenticator: authenticator, challenge: challenge))
            .add(middleware: AuthorizationMiddleware<Context>(pullCache: backend.pullCache, policy: backend.policy, challenge: challenge))
        for method in [HTTPRequest.Method.get, .head, .put, .post, .patch, .delete] {
            group.on("", method: method, use: dispatch)
            group.on("**", method: method, use: dispatch)
        }
    }
}
