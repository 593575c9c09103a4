import BerthTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite struct AuthTests {
    @Test func baseEndpointChallengesAnonymousCallers() async throws {
        try await Harness.run { h in
            let anonymous = try await h.request(.get, "/v2/", headers: [:])
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.header("WWW-Authenticate") == #"Bearer realm="http://localhost/service/token",service="harbor-registry""#)
            #expect(anonymous.errorCode == "UNAUTHORIZED")
            #expect(anonymous.header("Docker-Distribution-API-Version") == "registry/2.0")

            let admin = try await h.request(.get, "/v2/")
            #expect(admin.status == .ok)
            #expect(admin.header("Docker-Distribution-API-Version") == "registry/2.0")
        }
    }

    @Test func wrongCredentialsAreRefusedEverywhere() async throws {
        try await Harness.run { h in
            let wrong: HTTPFields = [.authorization: "Basic " + Data("admin:nope".utf8).base64EncodedString()]
            for uri in ["/v2/", "/v2/library/app/tags/list", "/v2/_catalog"] {
                let response = try await h.request(.get, uri, headers: wrong)
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "UNAUTHORIZED")
                #expect(response.header("WWW-Authenticate") == #"Basic realm="harbor""#)
            }
            let garbage = try await h.request(.get, "/v2/", headers: [.authorization: "Basic !!!"])
            #expect(garbage.status == .unauthorized)
            // Empty credentials are what containers/image sends when it has none: anonymous.
            let empty = try await h.request(.get, "/v2/library/app/tags/list", headers: [.authorization: "Basic Og=="])
            #expect(empty.errorCode == "NAME_UNKNOWN")
        }
    }

    @Test func anonymousPullsPublicProjectsThroughAToken() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage("library/app", tag: "v1")
            // As in Harbor, no Authorization header always means a Bearer challenge naming the scope.
            let challenged = try await h.request(.get, "/v2/library/app/manifests/v1", headers: [:])
            #expect(challenged.status == .unauthorized)
            #expect(challenged.header("WWW-Authenticate") ==
                    #"Bearer realm="http://localhost/service/token",service="harbor-registry",scope="repository:library/app:pull""#)

            let token = try await h.token(scope: "repository:library/app:pull,push", headers: [:])
            let pull = try await h.request(.get, "/v2/library/app/manifests/v1", headers: [.authorization: "Bearer \(token)"])
            #expect(pull.status == .ok)
            #expect(pull.bytes == image.bytes)

            // The anonymous token carries pull only, so pushing is challenged again.
            let push = try await h.request(.post, "/v2/library/app/blobs/uploads/", headers: [.authorization: "Bearer \(token)"])
            #expect(push.status == .unauthorized)
            #expect(push.header("WWW-Authenticate")?.contains(#"scope="repository:library/app:pull,push""#) == true)

            let catalog = try await h.request(.get, "/v2/_catalog", headers: [:])
            #expect(catalog.status == .unauthorized)
            // containers/image's empty Basic pair is anonymous, and anonymous may read public projects.
            #expect(try await h.request(.get, "/v2/library/app/tags/list", headers: [.authorization: "Basic Og=="]).status == .ok)
            // One signature character changed for certain (a base64url tail can decode to the same
            // bits, so overwriting the last characters is not always a forgery).
            var forgedToken = Array(token)
            let spot = forgedToken.count - 10
            forgedToken[spot] = forgedToken[spot] == "A" ? "B" : "A"
            let forged = try await h.request(.get, "/v2/library/app/tags/list", headers: [.authorization: "Bearer \(String(forgedToken))"])
            #expect(forged.status == .unauthorized)
            #expect(forged.header("WWW-Authenticate")?.contains("invalid_token") == true)
        }
    }

    @Test func unknownProjectIsNameUnknown() async throws {
        try await Harness.run { h in
            let response = try await h.request(.post, "/v2/nosuchproject/app/blobs/uploads/")
            #expect(response.status == .notFound)
            #expect(response.errorCode == "NAME_UNKNOWN")
            let anonymous = try await h.request(.get, "/v2/nosuchproject/app/tags/list", headers: [:])
            #expect(anonymous.status == .unauthorized)
        }
    }
}
