import HTTPTypes
import Hummingbird

/// The portal: one page at `/` that draws every view in the browser from `/api/v2.0` (the same
/// calls CLI users make), its scripts and styles under `/assets/`, and Harbor's old `/harbor/...`
/// addresses sent to the matching view.
public enum PortalRoutes {
    public static func install<Context: RequestContext>(on router: Router<Context>, assets: PortalAssets) {
        router.get("/") { request, _ in try serve("index.html", request, assets) }
        router.get("/assets/**") { request, context in
            try serve(context.parameters.getCatchAll().joined(separator: "/"), request, assets)
        }
        router.get("/harbor/**") { _, context in
            // `/harbor/projects/1/repositories` -> `/#/projects/1/repositories`
            let rest = context.parameters.getCatchAll().joined(separator: "/")
            return Response(status: .found, headers: [.location: "/#/" + rest])
        }
        router.get("/harbor") { _, _ in Response(status: .found, headers: [.location: "/"]) }
    }

    static func serve(_ path: String, _ request: Request, _ assets: PortalAssets) throws -> Response {
        guard let asset = assets.asset(path) else { throw HTTPError(.notFound) }
        // Every load asks again (`no-cache`); an unchanged file costs a 304 and no body.
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if path == "index.html" {
            // Scripts come only from this server: an injected inline script does not run.
            headers[HTTPField.Name("Content-Security-Policy")!] =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        }
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
