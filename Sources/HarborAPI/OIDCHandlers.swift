import Access
import Directory
import Foundation
import HTTPTypes
import Hummingbird
import Metadata

/// The portal's sign-in through the OpenID provider: `/c/oidc/login` sends the browser there,
/// `/c/oidc/callback` is where it comes back; a session is then opened as for a password login.
/// Failures go back to the portal's login page with the reason, never to a bare error page.
struct OIDCHandlers: Sendable {
    let services: APIServices

    /// The cookie carrying the sealed state of a login in progress, only to the callback.
    static let pendingCookie = "berth_oidc"

    func login(_ request: Request, context: some APIContext) async throws -> Response {
        guard await services.systemSettings.current.authMode == .oidc else { throw APIError.notFound("OIDC sign-in is not in use") }
        let location: String, pending: String
        do {
            (location, pending) = try await services.oidc.begin(redirectURI: callbackURL(request))
        } catch let error as DirectoryUnavailable {
            context.logger.warning("OIDC provider unavailable", metadata: ["error": "\(error.detail)"])
            return Self.backToLogin("the OpenID provider could not be reached; try again")
        }
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        headers.append(HTTPField(name: .setCookie, value: "\(Self.pendingCookie)=\(pending); Path=/c/oidc; Max-Age=600; HttpOnly; SameSite=Lax"
                                 + (services.servesHTTPS(to: request) ? "; Secure" : "")))
        return Response(status: .found, headers: headers)
    }

    func callback(_ request: Request, context: some APIContext) async throws -> Response {
        guard let sessions = services.authenticator.sessions else { throw APIError.notFound("this server has no portal sessions") }
        guard await services.systemSettings.current.authMode == .oidc else { return Self.backToLogin("OIDC sign-in is not in use") }
        let query = request.uri.queryParameters
        if let error = query["error"] {
            // Only the provider's error code, and only if it is one: anyone can make a link to
            // this address, and the login page must not show text they chose.
            let code = error.count <= 40 && error.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isLowercase) }) ? String(error) : "an error"
            return Self.backToLogin("the provider refused the sign-in (\(code))")
        }
        guard let code = query["code"], let state = query["state"] else { return Self.backToLogin("the provider's answer has no code") }
        guard let pending = SessionCookies.parse(request.headers[values: .cookie])[Self.pendingCookie] else {
            return Self.backToLogin("this sign-in was not started here, or its cookie was lost; sign in again")
        }
        let user: User
        do {
            user = try await services.oidc.finish(code: String(code), state: String(state), cookie: pending)
        } catch let error as OIDCSignInError {
            return Self.backToLogin(error.description)
        } catch let error as DirectoryUnavailable {
            context.logger.warning("OIDC provider unavailable", metadata: ["error": "\(error.detail)"])
            return Self.backToLogin("the OpenID provider could not be reached; try again")
        }
        var headers = try await SessionHandlers.openSession(sessions, userID: user.id, name: user.username, request: request, services: services,
                                                            description: "user \(user.username) logged in through OIDC")
        headers[.location] = "/#/projects"
        headers.append(HTTPField(name: .setCookie, value: "\(Self.pendingCookie)=; Path=/c/oidc; Max-Age=0; HttpOnly; SameSite=Lax"))
        return Response(status: .found, headers: headers)
    }

    /// The portal's login page, saying why.
    static func backToLogin(_ reason: String) -> Response {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~ ")
        let message = (reason.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: " ", with: "%20")
        var headers = HTTPFields()
        headers[.location] = "/#/login?error=" + message
        headers[.cacheControl] = "no-store"
        headers.append(HTTPField(name: .setCookie, value: "\(pendingCookie)=; Path=/c/oidc; Max-Age=0; HttpOnly; SameSite=Lax"))
        return Response(status: .found, headers: headers)
    }

    /// Registered with the provider: `<external_url>/c/oidc/callback`, or the address the
    /// browser used when no external URL is configured.
    private func callbackURL(_ request: Request) -> String {
        var base = services.externalURL ?? "\(services.servesHTTPS(to: request) ? "https" : "http")://\(request.head.authority ?? "localhost")"
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/c/oidc/callback"
    }

}
