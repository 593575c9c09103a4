import Hummingbird

/// `GET /`: a small page saying what this server is and how to use it, until the portal replaces it.
/// The registry host shown is the configured external URL, else the `Host` the browser used.
enum LandingPage {
    static func install(on router: Router<BerthRequestContext>, externalURL: String?) {
        router.get("/") { request, _ -> Response in
            let host = registryHost(externalURL: externalURL, requestHost: request.head.authority)
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: .init(string: html(host: host))))
        }
    }

    /// `host[:port]` as clients name the registry: the external URL without its scheme and path.
    static func registryHost(externalURL: String?, requestHost: String?) -> String {
        if let externalURL, !externalURL.isEmpty {
            var rest = Substring(externalURL)
            if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
            return String(rest.prefix { $0 != "/" })
        }
        return requestHost ?? "localhost:5000"
    }

    static func html(host: String) -> String {
        let host = escape(host)
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Berth registry</title>
        <style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
        code,pre{background:#f3f3f3;border-radius:4px}pre{padding:.75rem;overflow-x:auto}</style></head>
        <body>
        <h1>Berth</h1>
        <p>This is a Berth container registry: an OCI distribution registry with Harbor's API.
        The web portal is not part of this version yet; everything it will show is in the API.</p>
        <h2>Log in and push</h2>
        <pre>skopeo login --tls-verify=false \(host)
        skopeo copy --dest-tls-verify=false docker://docker.io/library/alpine:latest docker://\(host)/library/alpine:latest</pre>
        <pre>docker login \(host)
        docker push \(host)/library/alpine:latest</pre>
        <p>The first administrator is <code>admin</code>; its password was printed once on the server's
        console at first start (or set with <code>BERTH_ADMIN_PASSWORD</code>).</p>
        <h2>Endpoints</h2>
        <ul>
        <li><code>/v2/</code>: the registry (OCI Distribution 1.1)</li>
        <li><code>/api/v2.0/</code>: Harbor's REST API, for example <a href="/api/v2.0/ping">/api/v2.0/ping</a> and <a href="/api/v2.0/projects">/api/v2.0/projects</a></li>
        <li><code>/service/token</code>: the token service Docker clients use</li>
        </ul>
        </body></html>

        """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
