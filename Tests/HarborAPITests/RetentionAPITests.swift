import BerthTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite struct RetentionAPITests {
    static func policy(projectID: Int, rules: String, cron: String = "") -> String {
        #"{"algorithm":"or","rules":[\#(rules)],"trigger":{"kind":"Schedule","settings":{"cron":"\#(cron)"}},"scope":{"level":"project","ref":\#(projectID)}}"#
    }

    static func rule(_ template: String, _ value: Int? = nil, tags: String = "**", repositories: String = "**", untagged: Bool = false) -> String {
        let params = value.map { #"{"\#(template)":\#($0)}"# } ?? "{}"
        return #"{"disabled":false,"action":"retain","template":"\#(template)","params":\#(params),"tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"\#(tags)","extras":"{\"untagged\":\#(untagged)}"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"\#(repositories)"}]}}"#
    }

    static func libraryID(_ h: Harness) async throws -> Int {
        try #require(try await h.api(.get, "/projects/library").object()["project_id"] as? Int)
    }

    func run(_ h: Harness, policy: String, dryRun: Bool) async throws -> (execution: String, tasks: [[String: Any]]) {
        let started = try await h.api(.post, "/retentions/\(policy)/executions", json: #"{"dry_run":\#(dryRun)}"#)
        #expect(started.status == .created, "\(started.text)")
        let execution = try #require(started.header("Location")?.split(separator: "/").last.map(String.init))
        try await eventually("the retention run to finish") {
            try await h.api(.get, "/retentions/\(policy)/executions").array().first { "\($0["id"] ?? "")" == execution }?["status"] as? String == "Success"
        }
        return (execution, try await h.api(.get, "/retentions/\(policy)/executions/\(execution)/tasks").array())
    }

    /// The seed's policy: keep the 10 most recently pushed tags of every repository.
    @Test func theSeedsKeepTenMostRecentlyPushed() async throws {
        try await Harness.run { h in
            for i in 0..<12 { _ = try await h.pushImage("library/app", tag: "t\(i)", layer: "app \(i)") }
            for i in 0..<3 { _ = try await h.pushImage("library/web", tag: "w\(i)", layer: "web \(i)") }
            let created = try await h.api(.post, "/retentions", json: Self.policy(projectID: try await Self.libraryID(h), rules: Self.rule("latestPushedK", 10)))
            #expect(created.status == .created, "\(created.text)")
            let policy = try #require(created.header("Location")?.split(separator: "/").last.map(String.init))
            #expect(try await h.api(.get, "/projects/library/metadatas/retention_id").object()["retention_id"] as? String == policy)

            let dry = try await run(h, policy: policy, dryRun: true)
            #expect(dry.tasks.count == 2)
            #expect(try await h.request(.get, "/v2/library/app/manifests/t0").status == .ok, "a dry run deletes nothing")
            let dryApp = try #require(dry.tasks.first { $0["repository"] as? String == "library/app" })
            let dryLog = try await h.api(.get, "/retentions/\(policy)/executions/\(dry.execution)/tasks/\(dryApp["id"]!)").text
            #expect(dryLog.contains("2 would be deleted"), "\(dryLog)")
            #expect(try await h.api(.get, "/retentions/\(policy)/executions").array().first?["dry_run"] as? Bool == true)

            let real = try await run(h, policy: policy, dryRun: false)
            let app = try #require(real.tasks.first { $0["repository"] as? String == "library/app" })
            #expect(app["total"] as? Int == 12 && app["retained"] as? Int == 10 && app["status"] as? String == "Success")
            let web = try #require(real.tasks.first { $0["repository"] as? String == "library/web" })
            #expect(web["total"] as? Int == 3 && web["retained"] as? Int == 3)
            let tags = try await h.request(.get, "/v2/library/app/tags/list").text
            #expect(!tags.contains("\"t0\"") && !tags.contains("\"t1\"") && tags.contains("\"t2\"") && tags.contains("\"t11\""), "\(tags)")
            let log = try await h.api(.get, "/retentions/\(policy)/executions/\(real.execution)/tasks/\(app["id"]!)").text
            #expect(log.contains("12 artifacts, 10 retained") && log.contains("t0") && log.contains("DEL"), "\(log)")
        }
    }

    /// Label selectors (`withLabels`, `withoutLabels`) beside the tag selector: "keep everything
    /// labelled release" keeps exactly the labelled artifacts.
    @Test func labelSelectorsChooseByTheArtifactsLabels() async throws {
        try await Harness.run { h in
            for i in 0..<4 { _ = try await h.pushImage("library/app", tag: "t\(i)", layer: "app \(i)") }
            for name in ["release", "qa"] {
                #expect(try await h.api(.post, "/labels", json: #"{"name":"\#(name)","scope":"g"}"#).status == .created)
            }
            let labels = try await h.api(.get, "/labels?scope=g").array()
            let release = try #require(labels.first { $0["name"] as? String == "release" }?["id"] as? Int)
            let qa = try #require(labels.first { $0["name"] as? String == "qa" }?["id"] as? Int)
            for (tag, label) in [("t0", release), ("t2", release), ("t2", qa), ("t3", qa)] {
                #expect(try await h.api(.post, "/projects/library/repositories/app/artifacts/\(tag)/labels", json: #"{"id":\#(label)}"#).status == .ok)
            }
            let selectors = #"[{"kind":"doublestar","decoration":"matches","pattern":"**"},{"kind":"label","decoration":"withLabels","pattern":"release"},{"kind":"label","decoration":"withoutLabels","pattern":"qa"}]"#
            let rule = #"{"disabled":false,"action":"retain","template":"always","params":{},"tag_selectors":\#(selectors),"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#
            let bad = rule.replacingOccurrences(of: "withoutLabels", with: "withSomeLabels")
            let refused = try await h.api(.post, "/retentions", json: Self.policy(projectID: try await Self.libraryID(h), rules: bad))
            #expect(refused.status == .badRequest && refused.text.contains("withLabels or withoutLabels"), "\(refused.text)")
            let created = try await h.api(.post, "/retentions", json: Self.policy(projectID: try await Self.libraryID(h), rules: rule))
            #expect(created.status == .created, "\(created.text)")
            let policy = try #require(created.header("Location")?.split(separator: "/").last.map(String.init))
            let result = try await run(h, policy: policy, dryRun: false)
            #expect(result.tasks.first?["retained"] as? Int == 1)
            let tags = try await h.request(.get, "/v2/library/app/tags/list").text
            #expect(tags.contains("\"t0\"") && !tags.contains("\"t1\"") && !tags.contains("\"t2\"") && !tags.contains("\"t3\""), "\(tags)")
            let metadatas = try await h.api(.get, "/retentions/metadatas").text
            #expect(metadatas.contains("withoutLabels"))
        }
    }

    @Test func immutableTagsAreKeptAndSaySo() async throws {
        try await Harness.run { h in
            for i in 0..<3 { _ = try await h.pushImage("library/app", tag: "t\(i)", layer: "app \(i)") }
            let immutable = #"{"tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"t0"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#
            #expect(try await h.api(.post, "/projects/library/immutabletagrules", json: immutable).status == .created)
            let created = try await h.api(.post, "/retentions", json: Self.policy(projectID: try await Self.libraryID(h), rules: Self.rule("latestPushedK", 1)))
            let policy = try #require(created.header("Location")?.split(separator: "/").last.map(String.init))
            let result = try await run(h, policy: policy, dryRun: false)
            let task = try #require(result.tasks.first)
            #expect(task["retained"] as? Int == 2)
            let log = try await h.api(.get, "/retentions/\(policy)/executions/\(result.execution)/tasks/\(task["id"]!)").text
            #expect(log.contains("IMMUTABLE"), "\(log)")
            #expect(try await h.request(.get, "/v2/library/app/manifests/t0").status == .ok)
            #expect(try await h.request(.get, "/v2/library/app/manifests/t1").status == .notFound)
            #expect(try await h.request(.get, "/v2/library/app/manifests/t2").status == .ok)
        }
    }

    @Test func policyLifecycleScheduleAndStop() async throws {
        try await Harness.run { h in
            let library = try await Self.libraryID(h)
            let metadata = try await h.api(.get, "/retentions/metadatas").object()
            let templates = try #require(metadata["templates"] as? [[String: Any]]).compactMap { $0["rule_template"] as? String }
            #expect(Set(templates) == ["latestPushedK", "latestPulledN", "latestActiveK", "lastXDays", "nDaysSinceLastPull", "nDaysSinceLastPush", "always"])
            let created = try await h.api(.post, "/retentions", json: Self.policy(projectID: library, rules: Self.rule("always"), cron: "0 0 3 * * *"))
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.header("Location")?.split(separator: "/").last.map(String.init))
            let shown = try await h.api(.get, "/retentions/\(id)").object()
            #expect(shown["algorithm"] as? String == "or" && (shown["rules"] as? [[String: Any]])?.first?["id"] as? Int == 1)
            #expect(((shown["trigger"] as? [String: Any])?["settings"] as? [String: Any])?["cron"] as? String == "0 0 3 * * *")
            let schedules = try await h.api(.get, "/schedules").array()
            #expect(schedules.contains { $0["vendor_type"] as? String == "RETENTION" && "\($0["vendor_id"] ?? "")" == id })
            #expect(try await h.api(.post, "/retentions", json: Self.policy(projectID: library, rules: Self.rule("always"))).status == .badRequest,
                    "one policy per project")

            let updated = Self.policy(projectID: library, rules: Self.rule("nDaysSinceLastPush", 7) + "," + Self.rule("latestPulledN", 3))
            #expect(try await h.api(.put, "/retentions/\(id)", json: updated).status == .ok)
            #expect((try await h.api(.get, "/retentions/\(id)").object()["rules"] as? [[String: Any]])?.count == 2)
            let after = try await h.api(.get, "/schedules").array()
            #expect(!after.contains { $0["vendor_type"] as? String == "RETENTION" }, "no cron, no schedule")

            #expect(try await h.api(.put, "/jobservice/queues/RETENTION", json: #"{"action":"pause"}"#).status == .ok)
            let started = try await h.api(.post, "/retentions/\(id)/executions", json: #"{"dry_run":false}"#)
            let execution = try #require(started.header("Location")?.split(separator: "/").last.map(String.init))
            #expect(try await h.api(.patch, "/retentions/\(id)/executions/\(execution)", json: #"{"action":"go"}"#).status == .badRequest)
            #expect(try await h.api(.patch, "/retentions/\(id)/executions/\(execution)", json: #"{"action":"stop"}"#).status == .ok)
            #expect(try await h.api(.get, "/retentions/\(id)/executions").array().first?["status"] as? String == "Stopped")
            #expect(try await h.api(.patch, "/retentions/\(id)/executions/999999", json: #"{"action":"stop"}"#).status == .notFound)

            #expect(try await h.api(.delete, "/retentions/\(id)").status == .ok)
            #expect(try await h.api(.get, "/retentions/\(id)").status == .notFound)
            #expect(try await h.api(.get, "/projects/library/metadatas/retention_id").status == .notFound)
        }
    }

    @Test func badPoliciesAreRefusedAndNothingIsStored() async throws {
        try await Harness.run { h in
            let library = try await Self.libraryID(h)
            let sixteen = (0..<16).map { Self.rule("latestPushedK", $0 + 1) }.joined(separator: ",")
            let cases: [(String, HTTPResponse.Status)] = [
                (Self.policy(projectID: library, rules: sixteen), .badRequest),
                (Self.policy(projectID: library, rules: Self.rule("keepEverythingForever", 1)), .badRequest),
                (Self.policy(projectID: library, rules: Self.rule("latestPushedK")), .badRequest),
                (Self.policy(projectID: library, rules: Self.rule("latestPushedK", 0)), .badRequest),
                (Self.policy(projectID: library, rules: Self.rule("always"), cron: "0 0 25 * * *"), .badRequest),
                (Self.policy(projectID: library, rules: Self.rule("always"), cron: "0 0 0 30 2 *"), .badRequest),
                (Self.policy(projectID: library, rules: Self.rule("lastXDays", 200_000_000_000)), .badRequest),
                (Self.policy(projectID: library, rules: Self.rule("always", tags: "[oops")), .badRequest),
                (Self.policy(projectID: 424242, rules: Self.rule("always")), .badRequest),
                (Self.policy(projectID: library, rules: Self.rule("always") + "," + Self.rule("always")), .conflict),
                (#"{"rules":[],"scope":{"level":"system","ref":1}}"#, .badRequest),
            ]
            for (body, status) in cases {
                let response = try await h.api(.post, "/retentions", json: body)
                #expect(response.status == status, "\(body.prefix(120)): \(response.text)")
            }
            #expect(try await h.api(.get, "/projects/library/metadatas/retention_id").status == .notFound)
            let dev = try await h.createUser("dev")
            #expect(try await h.api(.post, "/retentions", json: Self.policy(projectID: library, rules: Self.rule("always")),
                                    headers: Harness.basic("dev", dev.password)).status == .forbidden)
        }
    }
}
