import Foundation
import HTTPTypes
import Testing

@Suite struct AuthTests {
    @Test func baseEndpointChallengesAnonymousCallers() async throws {
        try await Harness.run { h in
            let anonymous = try await h.request(.get, "/v2/", headers: [:])
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.header("WWW-Authenticate") == "Basic realm=\"Berth\"")
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
            }
            let garbage = try await h.request(.get, "/v2/", headers: [.authorization: "Basic !!!"])
            #expect(garbage.status == .unauthorized)
            // Empty credentials are what containers/image sends when it has none: anonymous.
            let empty = try await h.request(.get, "/v2/library/app/tags/list", headers: [.authorization: "Basic Og=="])
            #expect(empty.errorCode == "NAME_UNKNOWN")
        }
    }

    @Test func anonymousMayPullPublicButNotPush() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage("library/app", tag: "v1")
            let pull = try await h.request(.get, "/v2/library/app/manifests/v1", headers: [:])
            #expect(pull.status == .ok)
            #expect(pull.bytes == image.bytes)

            let push = try await h.request(.post, "/v2/library/app/blobs/uploads/", headers: [:])
            #expect(push.status == .unauthorized)
            #expect(push.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            let delete = try await h.request(.delete, "/v2/library/app/manifests/\(image.digest)", headers: [:])
            #expect(delete.status == .unauthorized)
            let catalog = try await h.request(.get, "/v2/_catalog", headers: [:])
            #expect(catalog.status == .unauthorized)
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
