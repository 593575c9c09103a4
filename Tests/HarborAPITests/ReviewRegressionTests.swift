import BerthTestSupport
import Foundation
import HTTPTypes
import Access
import Registry
import Services
import Testing

/// Defects found in review, each pinned by a test.
@Suite struct ReviewRegressionTests {
    @Test func hugePageIsABadRequestNotACrash() async throws {
        try await Harness.run { h in
            let projects = try await h.api(.get, "/projects?page=1000000000000000000", headers: [:])
            #expect(projects.status == .badRequest)
            let users = try await h.api(.get, "/users?page=99999999999&page_size=100")
            #expect(users.status == .badRequest)
        }
    }

    @Test func registryTokensAreNotAPILogins() async throws {
        try await Harness.run { h in
            let token = try await h.token(scope: "repository:library/app:pull,push")
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await h.api(.get, "/users/current", headers: bearer).status == .unauthorized)
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"sneaky"}"#, headers: bearer).status == .unauthorized)
            // Nor can a token renew itself at the token service.
            let renewal = try await h.request(.get, "/service/token?service=harbor-registry&scope=repository:library/app:pull", headers: bearer)
            #expect(renewal.status == .unauthorized)
            #expect(try await h.api(.head, "/projects?project_name=library", headers: [:]).status == .unauthorized)
        }
    }

    @Test func robotsCannotGrantMoreThanTheyHold() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            _ = try await h.createProject("other")
            let creator = try await h.api(.post, "/robots", json: #"{"name":"maker","level":"system","duration":-1,"permissions":[{"kind":"system","namespace":"/","access":[{"resource":"robot","action":"create"}]},{"kind":"project","namespace":"team","access":[{"resource":"robot","action":"create"},{"resource":"repository","action":"pull"}]}]}"#)
            #expect(creator.status == .created, "\(creator.text)")
            let auth = Harness.basic(try #require(try creator.object()["name"] as? String), try #require(try creator.object()["secret"] as? String))
            let escalate = try await h.api(.post, "/robots", json: #"{"name":"boss","level":"system","duration":-1,"permissions":[{"kind":"system","namespace":"/","access":[{"resource":"user","action":"create"}]}]}"#, headers: auth)
            #expect(escalate.status == .forbidden)
            let push = try await h.api(.post, "/robots", json: #"{"name":"pusher","level":"project","duration":-1,"permissions":[{"kind":"project","namespace":"team","access":[{"resource":"repository","action":"push"}]}]}"#, headers: auth)
            #expect(push.status == .forbidden)
            let pull = try await h.api(.post, "/robots", json: #"{"name":"puller","level":"project","duration":-1,"permissions":[{"kind":"project","namespace":"team","access":[{"resource":"repository","action":"pull"}]}]}"#, headers: auth)
            #expect(pull.status == .created, "\(pull.text)")
            // A project robot's permissions cannot move to another project.
            let id = try #require(try pull.object()["id"] as? Int)
            let moved = try await h.api(.put, "/robots/\(id)", json: #"{"permissions":[{"kind":"project","namespace":"other","access":[{"resource":"repository","action":"pull"}]}]}"#)
            #expect(moved.status == .badRequest)
            // A denied system permission is not granted.
            let denied = try await h.api(.post, "/robots", json: #"{"name":"nolist","level":"system","duration":-1,"permissions":[{"kind":"system","namespace":"/","access":[{"resource":"user","action":"list","effect":"deny"}]}]}"#)
            let deniedAuth = Harness.basic(try #require(try denied.object()["name"] as? String), try #require(try denied.object()["secret"] as? String))
            #expect(try await h.api(.get, "/users", headers: deniedAuth).status == .forbidden)
        }
    }

    @Test func tokensIssuedBeforeAProjectExistedGrantNothingInIt() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("later")
            // A token signed by the server an hour ago, as if kept from before the project existed.
            let hourAgo = Int64(Date().timeIntervalSince1970) - 3600
            let early = try h.server.api.signer.sign(TokenClaims(
                subject: "admin", access: [TokenAccess(type: "repository", name: "later/app", actions: ["pull", "push"])],
                issuedAt: hourAgo, lifetime: 7200))
            let fresh = try await h.token(scope: "repository:later/app:pull,push")
            #expect(try await h.request(.post, "/v2/later/app/blobs/uploads/", headers: [.authorization: "Bearer \(fresh)"]).status == .accepted)
            #expect(try await h.request(.post, "/v2/later/app/blobs/uploads/", headers: [.authorization: "Bearer \(early)"]).status == .unauthorized)
        }
    }

    @Test func abandonedUploadSessionsExpire() async throws {
        try await Harness.run { h in
            let location = try #require(try await h.request(.post, "/v2/library/app/blobs/uploads/").header("Location"))
            let expiry = UploadExpiry(blobs: h.server.backend.blobs, sessions: h.server.backend.uploadSessions, maximumIdleMillis: 0)
            #expect(try await expiry.purge(nowMillis: Int64(Date().timeIntervalSince1970 * 1000) + 10) == 1)
            #expect(try await h.request(.get, location).errorCode == "BLOB_UPLOAD_UNKNOWN")
        }
    }
}

@Suite struct CSRFTests {
    @Test func sessionCookiesNeedTheCSRFToken() async throws {
        try await Harness.run { h in
            let body = #"{"project_name":"a"}"#
            var cookie = Harness.admin
            cookie[.cookie] = "sid=abc; __csrf=token-1"
            let missing = try await h.api(.post, "/projects", json: body, headers: cookie)
            #expect(missing.status == .forbidden)
            var wrong = cookie
            wrong[HTTPField.Name("X-Harbor-CSRF-Token")!] = "token-2"
            let mismatched = try await h.api(.post, "/projects", json: body, headers: wrong)
            #expect(mismatched.status == .forbidden)
            var right = cookie
            right[HTTPField.Name("X-Harbor-CSRF-Token")!] = "token-1"
            let accepted = try await h.api(.post, "/projects", json: body, headers: right)
            #expect(accepted.status == .created)
            // Reads and cookie-less clients are unaffected.
            let read = try await h.api(.get, "/projects", headers: cookie)
            #expect(read.status == .ok)
            let script = try await h.api(.post, "/projects", json: #"{"project_name":"b"}"#)
            #expect(script.status == .created)
        }
    }
}
