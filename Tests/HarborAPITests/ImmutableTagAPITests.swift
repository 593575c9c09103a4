import BerthTestSupport
import Foundation
import HTTPTypes
import OCI
import Testing

@Suite struct ImmutableTagAPITests {
    static let releaseRule = #"{"disabled":false,"action":"immutable","template":"immutable_template","tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"v*"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#

    @Test func protectedTagsCannotMoveOrBeDeleted() async throws {
        try await Harness.run { h in
            let created = try await h.api(.post, "/projects/library/immutabletagrules", json: Self.releaseRule)
            #expect(created.status == .created, "\(created.text)")
            let first = try await h.pushImage("library/app", tag: "v1", layer: "first")
            // with_immutable_status shows which tags a rule protects (and only when asked)
            #expect(try await h.api(.post, "/projects/library/repositories/app/artifacts/v1/tags", json: #"{"name":"latest"}"#).status == .created)
            let shown = try await h.api(.get, "/projects/library/repositories/app/artifacts/v1?with_immutable_status=true").object()
            let flags = Dictionary(uniqueKeysWithValues: ((shown["tags"] as? [[String: Any]]) ?? []).map { ($0["name"] as? String ?? "", $0["immutable"] as? Bool ?? false) })
            #expect(flags == ["v1": true, "latest": false], "\(flags)")
            let listed = try await h.api(.get, "/projects/library/repositories/app/artifacts/v1/tags?with_immutable_status=true").array()
            #expect(listed.first { $0["name"] as? String == "v1" }?["immutable"] as? Bool == true)
            #expect(try await h.api(.get, "/projects/library/repositories/app/artifacts/v1/tags").array().allSatisfy { $0["immutable"] as? Bool == false })
            #expect(try await h.api(.delete, "/projects/library/repositories/app/artifacts/v1/tags/latest").status == .ok)
            // a re-push of the same content is not a move
            #expect(try await h.putManifest(first.bytes, repository: "library/app", reference: "v1").status == .created)
            let second = try await h.pushImageContent("library/app", config: #"{"architecture":"arm64","os":"linux"}"#, layer: "second")
            let moved = try await h.putManifest(second, repository: "library/app", reference: "v1")
            #expect(moved.status == .preconditionFailed && moved.errorCode == "PRECONDITION")
            #expect(moved.text.contains("Failed to process request due to 'library/app:v1' configured as immutable."), "\(moved.text)")
            #expect(try await h.request(.get, "/v2/library/app/manifests/v1").bytes == first.bytes)
            // tags the rule does not pick move freely
            #expect(try await h.putManifest(second, repository: "library/app", reference: "latest").status == .created)
            #expect(try await h.putManifest(first.bytes, repository: "library/app", reference: "latest").status == .created)

            let tagDelete = try await h.api(.delete, "/projects/library/repositories/app/artifacts/v1/tags/v1")
            #expect(tagDelete.status == .preconditionFailed && tagDelete.errorCode == "PRECONDITION")
            #expect(tagDelete.text.contains("the tag v1 configured as immutable, cannot be deleted"))
            #expect(try await h.api(.delete, "/projects/library/repositories/app/artifacts/\(first.digest)").status == .preconditionFailed)
            #expect(try await h.request(.delete, "/v2/library/app/manifests/\(first.digest)").status == .preconditionFailed)
            #expect(try await h.request(.delete, "/v2/library/app/manifests/v1").status == .preconditionFailed)
            #expect(try await h.request(.get, "/v2/library/app/manifests/v1").status == .ok)
            #expect(try await h.api(.delete, "/projects/library/repositories/app").status == .preconditionFailed,
                    "a repository holding a protected tag cannot be deleted either")

            // disabled, the rule protects nothing
            let id = try #require(created.header("Location")?.split(separator: "/").last.map(String.init))
            let disabled = Self.releaseRule.replacingOccurrences(of: #""disabled":false"#, with: #""disabled":true"#)
            #expect(try await h.api(.put, "/projects/library/immutabletagrules/\(id)", json: disabled).status == .ok)
            #expect(try await h.putManifest(second, repository: "library/app", reference: "v1").status == .created)
            #expect(try await h.api(.delete, "/projects/library/immutabletagrules/\(id)").status == .ok)
            #expect(try await h.api(.delete, "/projects/library/immutabletagrules/\(id)").status == .notFound)
        }
    }

    @Test func repositorySelectorsScopeTheRule() async throws {
        try await Harness.run { h in
            let rule = #"{"tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"prod/**"}]}}"#
            #expect(try await h.api(.post, "/projects/library/immutabletagrules", json: rule).status == .created)
            let listed = try await h.api(.get, "/projects/library/immutabletagrules")
            #expect(listed.header("X-Total-Count") == "1")
            let shown = try #require(try listed.array().first)
            #expect(shown["action"] as? String == "immutable" && shown["template"] as? String == "immutable_template")
            #expect(((shown["scope_selectors"] as? [String: Any])?["repository"] as? [[String: Any]])?.first?["pattern"] as? String == "prod/**")
            _ = try await h.pushImage("library/prod/api", tag: "stable", layer: "prod")
            _ = try await h.pushImage("library/dev/api", tag: "stable", layer: "dev")
            #expect(try await h.api(.delete, "/projects/library/repositories/prod%252Fapi/artifacts/stable/tags/stable").status == .preconditionFailed)
            #expect(try await h.api(.delete, "/projects/library/repositories/dev%252Fapi/artifacts/stable/tags/stable").status == .ok)
            #expect(try await h.api(.post, "/projects/library/immutabletagrules", json: rule).status == .conflict, "the same rule twice")
        }
    }

    @Test func badRulesAreRefusedAndNothingIsStored() async throws {
        try await Harness.run { h in
            let cases = [
                #"{"tag_selectors":[],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#,
                #"{"tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**"}],"scope_selectors":{}}"#,
                #"{"tag_selectors":[{"kind":"regex","decoration":"matches","pattern":".*"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#,
                #"{"tag_selectors":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#,
                #"{"tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"[v"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#,
                #"{"action":"delete","tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#,
            ]
            for body in cases {
                let response = try await h.api(.post, "/projects/library/immutabletagrules", json: body)
                #expect(response.status == .badRequest && response.errorCode == "BAD_REQUEST", "\(body): \(response.text)")
            }
            #expect(try await h.api(.get, "/projects/library/immutabletagrules").header("X-Total-Count") == "0")
            for i in 0..<15 {
                let rule = Self.releaseRule.replacingOccurrences(of: #""pattern":"v*""#, with: #""pattern":"v\#(i).*""#)
                #expect(try await h.api(.post, "/projects/library/immutabletagrules", json: rule).status == .created)
            }
            #expect(try await h.api(.post, "/projects/library/immutabletagrules", json: Self.releaseRule).status == .badRequest, "16 rules")
            let dev = try await h.createUser("dev")
            #expect(try await h.api(.post, "/projects/library/immutabletagrules", json: Self.releaseRule, headers: Harness.basic("dev", dev.password)).status == .forbidden)
        }
    }
}
