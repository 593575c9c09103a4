import AsyncHTTPClient
import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing
@testable import Access

/// OIDC sign-in against the real provider of `scripts/oidc-test-provider` (tests/oidc/provider.py,
/// pyop): the portal's code flow with PKCE through the provider's own login form, onboarding with
/// groups, CLI secrets for clients, and ID tokens that must be refused.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["BERTH_TEST_OIDC_URL"] != nil,
                "start scripts/oidc-test-provider and export BERTH_TEST_OIDC_URL"))
struct OIDCSignInTests {
    static var issuer: String { ProcessInfo.processInfo.environment["BERTH_TEST_OIDC_URL"]! }
    /// Berth's address as the provider sees it; the test drives the router directly, so nothing
    /// listens there: the provider only sends the browser (this test) back to it.
    static let external = "http://127.0.0.1:5999"

    static func settings(autoOnboard: Bool = true) -> String {
        """
        {"auth_mode":"oidc_auth","oidc_name":"Test provider","oidc_endpoint":"\(issuer)","oidc_client_id":"berth",
         "oidc_client_secret":"berth-secret","oidc_scope":"openid,profile,email,groups,offline_access",
         "oidc_groups_claim":"groups","oidc_admin_group":"registry-admins","oidc_user_claim":"preferred_username",
         "oidc_auto_onboard":\(autoOnboard)}
        """
    }

    static func run(_ body: @escaping @Sendable (Harness) async throws -> Void) async throws {
        try await Harness.run(configure: { $0.externalURL = external }) { h in
            let configured = try await h.api(.put, "/configurations", json: settings())
            #expect(configured.status == .ok, "\(configured.text)")
            try await body(h)
        }
    }

    /// Signs in as a person would: Berth's login sends the browser to the provider, whose form
    /// is filled in; the provider sends it back to Berth's callback. Returns Berth's answer to it.
    static func signIn(_ h: Harness, _ username: String, _ password: String, tamper: (String) -> String = { $0 }) async throws -> TestResponse {
        let start = try await h.request(.get, "/c/oidc/login", headers: [:])
        #expect(start.status == .found, "\(start.text)")
        let authorize = try #require(start.header("Location"))
        #expect(authorize.hasPrefix(issuer), "\(authorize)")
        #expect(authorize.contains("code_challenge_method=S256") && authorize.contains("nonce="))
        let cookie = try #require(start.headers[values: .setCookie].first { $0.hasPrefix("berth_oidc=") }?
            .split(separator: ";").first.map(String.init))

        let form = try await Self.http(.GET, authorize)
        let html = String(buffer: form.body)
        let authRequest = try #require(Self.hiddenValue("auth_request", in: html))
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        let posted = try await Self.http(.POST, issuer + "/authorize",
                                         body: "auth_request=\(encode(authRequest))&username=\(encode(username))&password=\(encode(password))")
        #expect(posted.status == .found, "\(String(buffer: posted.body).prefix(300))")
        let callback = try #require(posted.headers.first(name: "Location"))
        #expect(callback.hasPrefix(external + "/c/oidc/callback?"), "\(callback)")
        return try await h.request(.get, tamper(String(callback.dropFirst(external.count))), headers: [.cookie: cookie])
    }

    static func sessionCookie(_ response: TestResponse) -> String? {
        let cookies = response.headers[values: .setCookie].compactMap { $0.split(separator: ";").first.map(String.init) }
        guard let sid = cookies.first(where: { $0.hasPrefix("sid=") }) else { return nil }
        return ([sid] + cookies.filter { $0.hasPrefix("__csrf=") }).joined(separator: "; ")
    }

    @Test func theCodeFlowSignsInAndOnboardsWithGroupsAndACLISecret() async throws {
        try await Self.run { h in
            #expect(try await h.api(.get, "/systeminfo", headers: [:]).object()["oidc_provider_name"] as? String == "Test provider")
            let back = try await Self.signIn(h, "alice", "Alice-Oidc-1")
            #expect(back.status == .found)
            #expect(back.header("Location") == "/#/projects")
            let session = try #require(Self.sessionCookie(back))
            let me = try await h.api(.get, "/users/current", headers: [.cookie: session]).object()
            #expect(me["username"] as? String == "alice")
            #expect(me["email"] as? String == "alice@oidc.test")
            let meta = try #require(me["oidc_user_meta"] as? [String: Any])
            #expect(meta["subiss"] as? String == "oidc-sub-alice" + Self.issuer)
            let secret = try #require(meta["secret"] as? String)
            #expect(secret.count == 32)

            // Her groups are OIDC groups (type 3), and project members like any group.
            let groups = try await h.api(.get, "/usergroups?page_size=100").array()
            #expect(Set(groups.compactMap { $0["group_name"] as? String }) == ["developers", "team-a"])
            #expect(groups.allSatisfy { $0["group_type"] as? Int == 3 })
            _ = try await h.createProject("oidc-team")
            #expect(try await h.api(.post, "/projects/oidc-team/members",
                                    json: #"{"role_id":2,"member_group":{"group_type":3,"group_name":"team-a"}}"#).status == .created)

            // docker and skopeo sign in with the CLI secret; the token carries her group's role.
            let alice = Harness.basic("alice", secret)
            #expect(try await h.api(.get, "/users/current", headers: alice).status == .ok)
            #expect(try await LDAPSignInTests.actions(h, alice, "oidc-team/app") == ["pull", "push"])
            #expect(try await h.api(.get, "/users/current", headers: Harness.basic("alice", "Alice-Oidc-1")).status == .unauthorized)
            // The portal's password form is not a way around the provider.
            let form = try await h.request(.post, "/c/login", headers: [.contentType: "application/x-www-form-urlencoded"],
                                           body: Array("principal=alice&password=\(secret)".utf8))
            #expect(form.status == .unauthorized)

            // She sets her own secret; the old one stops working, a weak one is refused.
            let id = try #require(me["user_id"] as? Int)
            let csrf = session.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("__csrf=") }.map { String($0.dropFirst("__csrf=".count)) } ?? ""
            var headers: HTTPFields = [.cookie: session, .contentType: "application/json"]
            headers[HTTPField.Name("X-Harbor-CSRF-Token")!] = csrf
            #expect(try await h.request(.put, "/api/v2.0/users/\(id)/cli_secret", headers: headers,
                                        body: Array(#"{"secret":"weak"}"#.utf8)).status == .badRequest)
            #expect(try await h.request(.put, "/api/v2.0/users/\(id)/cli_secret", headers: headers,
                                        body: Array(#"{"secret":"New-Secret-123"}"#.utf8)).status == .ok)
            #expect(try await h.api(.get, "/users/current", headers: Harness.basic("alice", "New-Secret-123")).status == .ok)
            #expect(try await h.api(.get, "/users/current", headers: alice).status == .unauthorized)

            // A second sign-in finds the same user; carol's group makes her an administrator.
            #expect(Self.sessionCookie(try await Self.signIn(h, "alice", "Alice-Oidc-1")) != nil)
            #expect(try await h.api(.get, "/users?page_size=100").array().filter { $0["username"] as? String == "alice" }.count == 1)
            let carol = try #require(Self.sessionCookie(try await Self.signIn(h, "carol", "Carol-Oidc-3")))
            #expect(try await h.api(.get, "/users/current", headers: [.cookie: carol]).object()["admin_role_in_auth"] as? Bool == true)
        }
    }

    @Test func aTamperedOrUnstartedSignInIsSentBackToTheLoginPage() async throws {
        try await Self.run { h in
            let wrongState = try await Self.signIn(h, "bob", "Bob-Oidc-2") { $0.replacingOccurrences(of: "state=", with: "state=x") }
            #expect(wrongState.status == .found)
            #expect(wrongState.header("Location")?.hasPrefix("/#/login?error=") == true, "\(wrongState.header("Location") ?? "")")
            #expect(Self.sessionCookie(wrongState) == nil)
            let noCookie = try await h.request(.get, "/c/oidc/callback?code=abc&state=def", headers: [:])
            #expect(noCookie.header("Location")?.hasPrefix("/#/login?error=") == true)
            let denied = try await h.request(.get, "/c/oidc/callback?error=access_denied", headers: [:])
            #expect(denied.header("Location")?.contains("access_denied") == true)
            // Anyone can make this link: text they choose is not shown on Berth's login page.
            let crafted = try await h.request(.get, "/c/oidc/callback?error=Berth%20moved%20to%20evil.example&error_description=x", headers: [:])
            #expect(crafted.header("Location")?.contains("evil") == false, "\(crafted.header("Location") ?? "")")
            #expect(try await h.api(.get, "/users?page_size=100").array().count == 1, "nobody was created")
        }
    }

    @Test func withoutAutoOnboardingANewUserIsTurnedAway() async throws {
        try await Harness.run(configure: { $0.externalURL = Self.external }) { h in
            #expect(try await h.api(.put, "/configurations", json: Self.settings(autoOnboard: false)).status == .ok)
            let back = try await Self.signIn(h, "bob", "Bob-Oidc-2")
            #expect(back.header("Location")?.contains("oidc_auto_onboard") == true, "\(back.header("Location") ?? "")")
            #expect(Self.sessionCookie(back) == nil)
        }
    }

    @Test func idTokensWithAWrongSignatureAudienceIssuerOrTimeAreRefused() async throws {
        let keys = try JSONWebKeySet(json: Data(buffer: try await Self.http(.GET, Self.issuer + "/jwks").body))
        let verifier = IDTokenVerifier(issuer: Self.issuer, clientID: "berth")
        func mint(_ request: String) async throws -> String {
            let answer = try await Self.http(.POST, Self.issuer + "/test/mint", body: request, contentType: "application/json")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as? [String: Any])
            return try #require(object["id_token"] as? String)
        }
        let valid = try await mint(#"{"user":"alice","claims":{"nonce":"n-1"}}"#)
        #expect(try verifier.verify(valid, keys: keys, nonce: "n-1").subject == "oidc-sub-alice")
        let refusals: [(String, String)] = [
            (#"{"sign_with":"other-key"}"#, "a key the provider does not list"),
            (#"{"sign_with":"other-key","kid":"\#(keys.keys.first?.id ?? "")"}"#, "another key under the provider's kid"),
            (#"{"claims":{"aud":"someone-else"}}"#, "another audience"),
            (#"{"claims":{"iss":"http://127.0.0.1:1/"}}"#, "another issuer"),
            (#"{"expires_in":-120}"#, "expired"),
            (#"{"alg":"none"}"#, "unsigned"),
            (#"{"claims":{"nonce":"n-2"}}"#, "another login's nonce"),
        ]
        for (request, what) in refusals {
            let token = try await mint(request)
            #expect(throws: IDTokenError.self, "\(what)") { try verifier.verify(token, keys: keys, nonce: "n-1") }
        }
    }

    @Test func es256TokensVerifyAgainstTheProvidersP256Key() async throws {
        // A second provider of the same program, signing with P-256.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", repository.appendingPathComponent("tests/oidc/provider.py").path, "--port", "0", "--alg", "ES256"]
        // Its first line, READY and the issuer, is read from a file: a blocking read of a pipe
        // would hold one of the test run's few threads.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("berth-oidc-es256-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = FileHandle.nullDevice
        try await ChildProcess.launch(process)
        defer {
            // Not waited for: Foundation's waitUntilExit spins a run loop on Linux.
            kill(process.processIdentifier, SIGKILL)
            try? FileManager.default.removeItem(at: log)
        }
        var ready = ""
        for _ in 0..<300 where !ready.hasPrefix("READY ") {
            try await Task.sleep(for: .milliseconds(100))
            ready = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? ""
        }
        let issuer = try #require(ready.hasPrefix("READY ") ? String(ready.dropFirst(6)) : nil, "\(ready)")
        let keys = try JSONWebKeySet(json: Data(buffer: try await Self.http(.GET, issuer + "/jwks").body))
        let verifier = IDTokenVerifier(issuer: issuer, clientID: "berth")
        let minted = try await Self.http(.POST, issuer + "/test/mint", body: #"{"user":"bob"}"#, contentType: "application/json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: minted.body)) as? [String: Any])
        let token = try #require(object["id_token"] as? String)
        #expect(try verifier.verify(token, keys: keys, nonce: nil).subject == "oidc-sub-bob")
        let other = try await Self.http(.POST, issuer + "/test/mint", body: #"{"user":"bob","sign_with":"other-key"}"#, contentType: "application/json")
        let forged = try #require((try JSONSerialization.jsonObject(with: Data(buffer: other.body)) as? [String: Any])?["id_token"] as? String)
        #expect(throws: IDTokenError.self) { try verifier.verify(forged, keys: keys, nonce: nil) }
    }

    // MARK: - HTTP to the provider

    static func http(_ method: HTTPMethod, _ url: String, body: String? = nil,
                     contentType: String = "application/x-www-form-urlencoded") async throws -> HTTPClientResponse.Collected {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        // The provider's redirects are the answers the test reads, so none is followed.
        let response = try await client.execute(request, timeout: .seconds(30))
        return HTTPClientResponse.Collected(status: response.status, headers: response.headers,
                                            body: try await response.body.collect(upTo: 1 << 20))
    }

    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The value of a hidden input in the provider's form (HTML-escaped as `&amp;`).
    static func hiddenValue(_ name: String, in html: String) -> String? {
        guard let start = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"")
    }
}

extension HTTPClientResponse {
    struct Collected {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: ByteBuffer
    }
}
