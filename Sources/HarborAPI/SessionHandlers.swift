import Access
import Foundation
import HTTPTypes
import Hummingbird
import Metadata

/// Harbor's portal login: `POST /c/login` with the form fields `principal` and `password` opens a
/// session (`sid` and `__csrf` cookies); `/c/log_out` ends it. The API then accepts the cookie
/// instead of Basic credentials, and the CSRF middleware asks for the token on every change.
struct SessionHandlers: Sendable {
    let services: APIServices

    struct LoginForm: Decodable {
        let principal: String
        let password: String
    }

    func login(_ request: Request, context: some APIContext) async throws -> Response {
        guard let sessions = services.authenticator.sessions else { throw APIError.notFound("this server has no portal sessions") }
        try Self.refuseCrossSite(request)
        let body = String(decoding: try await JSONBody.bytes(from: request), as: UTF8.self)
        let form: LoginForm
        do { form = try URLEncodedFormDecoder().decode(LoginForm.self, from: body) } catch {
            throw APIError.badRequest("the login form needs principal and password")
        }
        // Robots have no portal: their secrets are for clients.
        guard !form.principal.hasPrefix(Authenticator.robotPrefix) else { throw APIError.unauthorized("robot accounts cannot log in to the portal") }
        // With OIDC, people sign in at the provider; a CLI secret is for clients, not the portal.
        if await services.systemSettings.current.authMode == .oidc,
           try await services.users.find(username: form.principal)?.id != Authenticator.firstAdministratorID {
            throw APIError.unauthorized("sign in through the OpenID provider")
        }
        let result = try await services.authenticator.authenticate(username: form.principal, password: form.password, address: context.remoteAddress)
        guard case .authenticated(let identity) = result, case .user(let id, let name, _) = identity else {
            if case .rejected(let message) = result { throw APIError.unauthorized(message) }
            throw APIError.unauthorized("invalid username or password")
        }
        let headers = try await Self.openSession(sessions, userID: id, name: name, request: request, services: services,
                                                 description: "user \(name) logged in to the portal")
        return JSONResponse.empty(.ok, headers: headers)
    }

    func logout(_ request: Request, context: some APIContext) async throws -> Response {
        if request.method == .post { try Self.refuseCrossSite(request) }
        if let sessions = services.authenticator.sessions, let cookie = SessionCookies.session(of: request.head) {
            try await sessions.close(cookie: cookie)
            if let name = context.identity.name {
                await services.audit.record(AuditEvent(projectID: nil, operation: "logout", resourceType: "user", resource: name,
                                                       username: name, description: "user \(name) logged out of the portal"))
            }
        }
        var headers = HTTPFields()
        for cookie in SessionCookies.closing { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return JSONResponse.empty(.ok, headers: headers)
    }

    /// Login CSRF: another site's form must not log the browser in as someone else (SameSite keeps
    /// cookies from being sent, not from being set). Browsers name the page a POST comes from in
    /// `Origin` and say `Sec-Fetch-Site`; scripts that send neither are not browsers and pass.
    static func refuseCrossSite(_ request: Request) throws {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            throw APIError.forbidden("the login form must be sent from this server's own pages")
        }
        if let origin = request.headers[HTTPField.Name("Origin")!], origin != "null",
           URLComponents(string: origin).map({ Self.authority($0) }) != request.head.authority?.lowercased() {
            throw APIError.forbidden("the login form must be sent from this server's own pages")
        }
    }

    /// `host[:port]` of an origin, lower-cased, as the `Host` header names it.
    private static func authority(_ origin: URLComponents) -> String {
        let host = (origin.host ?? "").lowercased()
        return origin.port.map { "\(host):\($0)" } ?? host
    }

    /// Opens a portal session for a user who has just proven who they are (a password or an
    /// OpenID provider): the `Set-Cookie` headers. A login from a browser that was logged in
    /// replaces that session rather than leaving it open.
    static func openSession(_ sessions: PortalSessions, userID: Int64, name: String, request: Request, services: APIServices,
                            description: String) async throws -> HTTPFields {
        if let previous = SessionCookies.session(of: request.head) { try await sessions.close(cookie: previous) }
        let token = try await sessions.open(userID: userID)
        try? await sessions.purgeExpired()
        await services.audit.record(AuditEvent(projectID: nil, operation: "login", resourceType: "user", resource: name, username: name,
                                               description: description))
        var headers = HTTPFields()
        for cookie in SessionCookies.opening(session: token, csrf: PortalSessions.randomToken(), secure: services.servesHTTPS(to: request)) {
            headers.append(HTTPField(name: .setCookie, value: cookie))
        }
        headers[.cacheControl] = "no-store"
        return headers
    }
}
