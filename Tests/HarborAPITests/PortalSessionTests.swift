import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The portal's login: `/c/login` sets Harbor's two cookies, the API takes the session cookie in
/// place of credentials, changes need the CSRF token, and a logout, a password change elsewhere
/// or a deleted user end the session.
@Suite struct PortalSessionTests {
    struct Session {
        let sid: String
        let csrf: String
        var cookie: HTTPFields { [.cookie: "sid=\(sid); __csrf=\(csrf)"] }
        var changing: HTTPFields {
            var headers = cookie
            headers[HTTPField.Name("X-Harbor-CSRF-Token")!] = csrf
            return headers
        }
    }

    static func login(_ h: Harness, _ user: String, _ password: String) async throws -> (TestResponse, Session?) {
        let response = try await h.client.execute(uri: "/c/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "principal=\(user)&password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"))
        var values: [String: String] = [:]
        for cookie in response.headers[values: .setCookie] {
            let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { values[String(pair[0])] = String(pair[1]) }
        }
        guard let sid = values["sid"], let csrf = values["__csrf"] else { return (response, nil) }
        return (response, Session(sid: sid, csrf: csrf))
    }

    @Test func aSessionActsForItsUserAndChangesNeedTheCSRFToken() async throws {
        try await Harness.run { h in
            _ = try await h.createUser("alice", password: "Alice-Passw0rd")
            let (response, maybeSession) = try await Self.login(h, "alice", "Alice-Passw0rd")
            #expect(response.status == .ok)
            let session = try #require(maybeSession)
            let sidCookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("sid=") })
            #expect(sidCookie.contains("HttpOnly") && sidCookie.contains("SameSite=Lax"))
            #expect(!response.headers[values: .setCookie].first { $0.hasPrefix("__csrf=") }!.contains("HttpOnly"))

            let current = try await h.api(.get, "/users/current", headers: session.cookie)
            #expect(try current.object()["username"] as? String == "alice")

            // A change with the cookie alone is refused (a forged cross-site form); with the token it passes.
            let forged = try await h.api(.post, "/projects", json: #"{"project_name":"by-cookie"}"#, headers: session.cookie)
            #expect(forged.status == .forbidden && forged.text.contains("CSRF"))
            #expect(try await h.api(.head, "/projects?project_name=by-cookie").status == .notFound)
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"by-cookie"}"#, headers: session.changing).status == .created)
            let project = try await h.api(.get, "/projects/by-cookie")
            #expect(try project.object()["owner_name"] as? String == "alice")

            // An unknown or malformed session cookie is anonymous, not an error.
            #expect(try await h.api(.get, "/users/current", headers: [.cookie: "sid=\(String(repeating: "A", count: 43))"]).status == .unauthorized)
            #expect(try await h.api(.get, "/users/current", headers: [.cookie: "sid=../../x"]).status == .unauthorized)

            let logout = try await h.client.execute(uri: "/c/log_out", method: .get, headers: session.cookie)
            #expect(logout.status == .ok)
            #expect(logout.headers[values: .setCookie].contains { $0.hasPrefix("sid=;") && $0.contains("Max-Age=0") })
            #expect(try await h.api(.get, "/users/current", headers: session.cookie).status == .unauthorized)

            let logins = try await h.api(.get, "/auditlog-exts?page_size=100").array()
            #expect(logins.contains { ($0["operation_description"] as? String)?.contains("alice logged in to the portal") == true })
        }
    }

    @Test func anotherSitesFormCannotLogInAndTheTokenServiceIgnoresSessions() async throws {
        try await Harness.run { h in
            _ = try await h.createUser("mallory", password: "Mallory-Passw0rd")
            let form = ByteBuffer(string: "principal=mallory&password=Mallory-Passw0rd")
            for headers: HTTPFields in [
                [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("Origin")!: "https://evil.example"],
                [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("Sec-Fetch-Site")!: "cross-site"],
            ] {
                let refused = try await h.client.execute(uri: "/c/login", method: .post, headers: headers, body: form)
                #expect(refused.status == .forbidden && refused.headers[values: .setCookie].isEmpty, "\(headers)")
            }
            let (first, maybeSession) = try await Self.login(h, "mallory", "Mallory-Passw0rd")
            #expect(first.status == .ok)
            let session = try #require(maybeSession)
            // The token service (and so /v2/) takes credentials, never the portal's cookie: a
            // session asking for a token of its own private project gets an anonymous one.
            _ = try await h.createProject("mallorys", headers: Harness.basic("mallory", "Mallory-Passw0rd"))
            let token = try await h.token(scope: "repository:mallorys/app:pull,push", headers: session.cookie)
            var payload = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while payload.count % 4 != 0 { payload += "=" }
            let claims = try #require(try JSONSerialization.jsonObject(with: Data(base64Encoded: payload)!) as? [String: Any])
            let access = claims["access"] as? [[String: Any]] ?? []
            #expect(access.allSatisfy { ($0["actions"] as? [String] ?? []).isEmpty }, "\(claims)")
            let withPassword = try await h.token(scope: "repository:mallorys/app:pull,push", headers: Harness.basic("mallory", "Mallory-Passw0rd"))
            #expect(withPassword != token)

            // Logging in again from the same browser ends the session it had.
            var relogin = HTTPFields(session.cookie)
            relogin[.contentType] = "application/x-www-form-urlencoded"
            let second = try await h.client.execute(uri: "/c/login", method: .post, headers: relogin, body: form)
            #expect(second.status == .ok)
            #expect(try await h.api(.get, "/users/current", headers: session.cookie).status == .unauthorized)
        }
    }

    @Test func wrongPasswordsRobotsAndBadFormsOpenNoSession() async throws {
        try await Harness.run { h in
            _ = try await h.createUser("bob", password: "Bob-Passw0rd1")
            let (wrong, none) = try await Self.login(h, "bob", "nope")
            #expect(wrong.status == .unauthorized && none == nil)
            #expect(wrong.errorCode == "UNAUTHORIZED")
            let (robot, _) = try await Self.login(h, "robot$x", "secret")
            #expect(robot.status == .unauthorized && robot.text.contains("robot"))
            let malformed = try await h.client.execute(uri: "/c/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                       body: ByteBuffer(string: "user=bob"))
            #expect(malformed.status == .badRequest)
        }
    }

    @Test func aPasswordChangeEndsTheOtherSessionsAndADeletedUserHasNone() async throws {
        try await Harness.run { h in
            let carol = try await h.createUser("carol", password: "Carol-Passw0rd")
            let first = try #require(try await Self.login(h, "carol", "Carol-Passw0rd").1)
            let second = try #require(try await Self.login(h, "carol", "Carol-Passw0rd").1)
            let changed = try await h.api(.put, "/users/\(carol.id)/password",
                                          json: #"{"old_password":"Carol-Passw0rd","new_password":"Carol-Passw0rd2"}"#, headers: first.changing)
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(try await h.api(.get, "/users/current", headers: first.cookie).status == .ok)
            #expect(try await h.api(.get, "/users/current", headers: second.cookie).status == .unauthorized)

            // An administrator's reset ends them all.
            #expect(try await h.api(.put, "/users/\(carol.id)/password", json: #"{"new_password":"Carol-Passw0rd3"}"#).status == .ok)
            #expect(try await h.api(.get, "/users/current", headers: first.cookie).status == .unauthorized)

            let third = try #require(try await Self.login(h, "carol", "Carol-Passw0rd3").1)
            #expect(try await h.api(.delete, "/users/\(carol.id)").status == .ok)
            #expect(try await h.api(.get, "/users/current", headers: third.cookie).status == .unauthorized)
        }
    }

    @Test func theProjectSecuritySummaryIsForItsReaders() async throws {
        try await Harness.run { h in
            let id = try await h.createProject("hub-private")
            _ = try await h.createUser("dave", password: "Dave-Passw0rd1")
            let dave = Harness.basic("dave", "Dave-Passw0rd1")
            #expect(try await h.api(.get, "/security/summary?project_id=\(id)", headers: dave).status == .forbidden)
            #expect(try await h.api(.get, "/security/summary", headers: dave).status == .forbidden)
            #expect(try await h.api(.get, "/security/summary?project_id=999999").status == .badRequest)
            let summary = try await h.api(.get, "/security/summary?project_id=\(id)&with_dangerous_cve=true")
            #expect(summary.status == .ok)
            #expect(try summary.object()["total_artifact"] as? Int == 0)
            #expect(try summary.object()["dangerous_cves"] == nil)
        }
    }
}
