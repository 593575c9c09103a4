import Access
import HTTPTypes
import Hummingbird

/// The Harbor API in one table: `/service/token` and `/api/v2.0/...`.
public enum HarborAPIRoutes {
    public static func install<Context: APIContext>(on router: Router<Context>, services: APIServices) {
        let token = TokenHandler(services: services)
        router.group("service")
            .add(middleware: APIErrorMiddleware<Context>())
            .add(middleware: APIAuthenticationMiddleware<Context>(authenticator: services.authenticator))
            .get("token", use: token.issue)

        let api = router.group("api/v2.0")
            .add(middleware: APIErrorMiddleware<Context>())
            .add(middleware: APIAuthenticationMiddleware<Context>(authenticator: services.authenticator))
        api.get("ping") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: .init(string: "Pong"))) }
    }
}
