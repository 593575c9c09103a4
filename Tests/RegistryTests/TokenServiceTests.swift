import BerthTestSupport
import Access
import Foundation
import HTTPTypes
import HummingbirdTesting
import Metadata
import OCI
import Testing

@Suite struct TokenServiceTests {
    static func claims(_ token: String) throws -> TokenClaims {
        let payload = String(token.split(separator: ".")[1])
        var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return try JSONDecoder().decode(TokenClaims.self, from: try #require(Data(base64Encoded: base64)))
    }

    @Test func accessHoldsOnlyWhatIsAllowed() async throws {
        try await Harness.run { h in
            let guest = try #require(try await h.server.api.users.create(username: "guest", passwordHash: try PasswordHasher.hash("Guest-Passw0rd"), isAdmin: false))
            let project = try await h.server.api.projects.createIfMissing(name: "private", isPublic: false, ownerID: nil)
            _ = try await h.server.api.members.add(.user(guest.id), projectID: project.id, role: 3)

            let token = try await h.token(scope: "repository:private/app:pull,push", headers: Harness.basic("guest", "Guest-Passw0rd"))
            let claims = try Self.claims(token)
            #expect(claims.sub == "guest" && claims.iss == "harbor-token-issuer" && claims.aud == "harbor-registry")
            #expect(claims.access == [TokenAccess(type: "repository", name: "private/app", actions: ["pull"])])
            #expect(claims.exp - claims.iat == 1800)

            let admin = try Self.claims(try await h.token(scope: "repository:private/app:pull,push,delete registry:catalog:*"))
            #expect(admin.access == [TokenAccess(type: "repository", name: "private/app", actions: ["pull", "push", "delete"]),
                                     TokenAccess(type: "registry", name: "catalog", actions: ["*"])])

            let anonymous = try Self.claims(try await h.token(scope: "repository:private/app:pull", headers: [:]))
            #expect(anonymous.sub == "" && anonymous.access.first?.actions == [])
            let unknown = try Self.claims(try await h.token(scope: "repository:nosuch/app:pull"))
            #expect(unknown.access.first?.actions == [])
        }
    }

    @Test func refusals() async throws {
        try await Harness.run { h in
            let wrong = try await h.request(.get, "/service/token?service=harbor-registry&scope=repository:library/a:pull",
                                            headers: Harness.basic("admin", "wrong"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("UNAUTHORIZED"))
            let anonymousNoScope = try await h.request(.get, "/service/token?service=harbor-registry", headers: [:])
            #expect(anonymousNoScope.status == .unauthorized)
            let login = try await h.request(.get, "/service/token?service=harbor-registry")
            #expect(login.status == .ok)
            let badService = try await h.request(.get, "/service/token?service=other")
            #expect(badService.status == .badRequest)
        }
    }

    @Test func tokensOpenTheRegistry() async throws {
        try await Harness.run { h in
            let token = try await h.token(scope: "repository:library/app:pull,push")
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let bytes = Array("blob via token".utf8)
            let digest = Digest.of(bytes)
            #expect(try await h.request(.post, "/v2/library/app/blobs/uploads/?digest=\(digest)", headers: bearer, body: bytes).status == .created)
            #expect(try await h.request(.get, "/v2/library/app/blobs/\(digest)", headers: bearer).bytes == bytes)
            // The token names one repository; for another private one the client is sent back for a token.
            _ = try await h.server.api.projects.createIfMissing(name: "private", isPublic: false, ownerID: nil)
            let other = try await h.request(.get, "/v2/private/other/tags/list", headers: bearer)
            #expect(other.status == .unauthorized)
            #expect(other.header("WWW-Authenticate")?.contains(#"scope="repository:private/other:pull""#) == true)
            #expect(try await h.request(.get, "/v2/", headers: bearer).status == .ok)
        }
    }
}
