import Foundation
import HTTPTypes

/// The portal's two cookies, as Harbor names them: `sid` (the session, HttpOnly) and `__csrf`
/// (read by the page's script and echoed in `X-Harbor-CSRF-Token`).
enum SessionCookies {
    static let session = "sid"
    static let csrf = "__csrf"

    /// Cookies of a request's `Cookie` headers by name (the first of a repeated name wins).
    static func parse(_ headers: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if result[name] == nil { result[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return result
    }

    static func session(of request: HTTPRequest) -> String? {
        parse(request.headerFields[values: .cookie])[session]
    }

    /// `Set-Cookie` values opening a session; `secure` when the portal is reached over HTTPS.
    /// Browser-session cookies: the server ends the session after its idle time, the browser
    /// when it closes.
    static func opening(session token: String, csrf: String, secure: Bool) -> [String] {
        let flags = "; Path=/; SameSite=Lax" + (secure ? "; Secure" : "")
        return ["\(session)=\(token)\(flags); HttpOnly", "\(self.csrf)=\(csrf)\(flags)"]
    }

    /// `Set-Cookie` values that make the browser forget both cookies.
    static let closing = ["\(session)=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly", "\(csrf)=; Path=/; Max-Age=0; SameSite=Lax"]
}
