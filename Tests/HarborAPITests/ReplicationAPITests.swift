import BerthTestSupport
import Foundation
import OCI
import Testing

/// Replication between two Berths on loopback, each a live harness with its own database and
/// storage: push mode (manual and on events), pull mode with a destination namespace, and the
/// failures whose task logs must name their cause.
@Suite struct ReplicationAPITests {
    @Test func pushModeCopiesImagesIndexesAndReferrersThenFollowsEvents() async throws {
        try await Harness.run(live: true) { a in
            try await Harness.run(live: true) { b in
                _ = try await a.createProject("myproject")
                let image = try await a.pushLayeredImage("myproject/app", reference: "v1", layers: [Array("app layer one".utf8), Array("app layer two".utf8)])
                let signature = try await a.pushReferrer("myproject/app", subject: image.digest, subjectSize: image.size)
                let index = try await a.pushTwoPlatformIndex("myproject/multi", tag: "latest")
                _ = try await a.createProject("other")
                _ = try await a.pushLayeredImage("other/app", reference: "v1", layers: [Array("not selected".utf8)])

                let registry = try await a.createRegistryEndpoint(name: "dr", port: try #require(b.port))
                let policy = try await a.createReplicationPolicy(name: "to-dr", side: "dest_registry", registryID: registry,
                                                                 extra: #","filters":[{"type":"name","value":"myproject/**"}]"#)
                let execution = try await a.runReplication(policy)
                #expect(execution["status"] as? String == "Succeed" && execution["total"] as? Int == 2 && execution["succeed"] as? Int == 2, "\(execution)")
                #expect(execution["trigger"] as? String == "manual")

                // Same digests on both sides; the index keeps both platforms; the signature came along.
                #expect(try await b.servedDigest("myproject/app", "v1") == image.digest.description)
                #expect(try await b.servedDigest("myproject/multi", "latest") == index.index.description)
                for child in index.children { #expect(try await b.servedDigest("myproject/multi", child.description) == child.description) }
                let referrers = try await b.request(.get, "/v2/myproject/app/referrers/\(image.digest)")
                #expect(referrers.text.contains(signature.description), "\(referrers.text)")
                #expect(try await b.servedDigest("other/app", "v1") == nil)
                #expect(try await b.api(.get, "/projects/myproject").status == .ok, "the project was created on the target")

                let executionID = try #require(execution["id"] as? Int)
                let tasks = try await a.api(.get, "/replication/executions/\(executionID)/tasks").array()
                #expect(Set(tasks.compactMap { $0["src_resource"] as? String }) == ["myproject/app:[v1]", "myproject/multi:[latest]"], "\(tasks)")
                #expect(tasks.allSatisfy { $0["status"] as? String == "Succeed" && $0["operation"] as? String == "copy" })
                let log = try await a.replicationLogs(Int64(executionID))
                #expect(log.contains("copied myproject/app:v1") && log.contains("copied the referrer \(signature)"), "\(log)")

                // A second run finds everything in place and sends no blob.
                let again = try await a.runReplication(policy)
                let againLog = try await a.replicationLogs(Int64(try #require(again["id"] as? Int)))
                #expect(again["status"] as? String == "Succeed" && againLog.contains("already") && againLog.contains("0 blobs (0 bytes) sent"), "\(againLog)")

                // Event-based with deletions: a push replicates that artifact alone; a tag deletion follows.
                #expect(try await a.api(.put, "/replication/policies/\(policy)", json: #"{"trigger":{"type":"event_based"},"replicate_deletion":true}"#).status == .ok)
                let pushed = try await a.pushLayeredImage("myproject/app", reference: "v2", layers: [Array("app layer one".utf8), Array("v2 layer".utf8)])
                try await eventually(seconds: 60, "v2 reached the target") { try await b.servedDigest("myproject/app", "v2") == pushed.digest.description }
                let events = try await a.api(.get, "/replication/executions?policy_id=\(policy)&trigger=event_based").array()
                #expect(events.count == 1 && events[0]["total"] as? Int == 1, "\(events)")
                #expect(try await a.api(.delete, "/projects/myproject/repositories/app/artifacts/v2/tags/v2").status == .ok)
                try await eventually(seconds: 60, "the deletion of v2 reached the target") { try await b.servedDigest("myproject/app", "v2") == nil }
                #expect(try await b.servedDigest("myproject/app", "v1") == image.digest.description)
            }
        }
    }

    @Test func pullModeMirrorsIntoANamespaceAndOverrideDecides() async throws {
        try await Harness.run(live: true) { a in
            try await Harness.run(live: true) { b in
                let nginx = try await b.pushLayeredImage("library/nginx", reference: "1.25", layers: [Array("nginx layer".utf8)])
                _ = try await b.pushLayeredImage("library/nginx", reference: "1.25-beta", layers: [Array("nginx beta".utf8)])
                let registry = try await a.createRegistryEndpoint(name: "upstream", port: try #require(b.port))
                let policy = try await a.createReplicationPolicy(
                    name: "mirror", side: "src_registry", registryID: registry,
                    extra: #","dest_namespace":"myproject","filters":[{"type":"name","value":"library/nginx"},{"type":"tag","value":"*-beta","decoration":"excludes"}]"#)
                let execution = try await a.runReplication(policy)
                #expect(execution["status"] as? String == "Succeed", "\(execution)")
                #expect(try await a.servedDigest("myproject/nginx", "1.25") == nginx.digest.description)
                #expect(try await a.servedDigest("myproject/nginx", "1.25-beta") == nil)
                let project = try await a.api(.get, "/projects/myproject").object()
                #expect(project["name"] as? String == "myproject")

                // Without override, a tag that already names something else is left alone.
                let local = try await a.pushLayeredImage("myproject/nginx", reference: "1.25", layers: [Array("local change".utf8)])
                #expect(try await a.api(.put, "/replication/policies/\(policy)", json: #"{"override":false}"#).status == .ok)
                let kept = try await a.runReplication(policy)
                #expect(kept["status"] as? String == "Succeed")
                #expect(try await a.servedDigest("myproject/nginx", "1.25") == local.digest.description)
                #expect(try await a.api(.put, "/replication/policies/\(policy)", json: #"{"override":true}"#).status == .ok)
                _ = try await a.runReplication(policy)
                #expect(try await a.servedDigest("myproject/nginx", "1.25") == nginx.digest.description)
            }
        }
    }

    @Test func failuresNameTheirCauseAndStopEndsStopped() async throws {
        try await Harness.run(live: true) { a in
            try await Harness.run(live: true) { b in
                _ = try await a.createProject("myproject")
                let port = try #require(b.port)

                // Wrong credentials: the execution fails and says the remote refused them.
                let wrong = try await a.createRegistryEndpoint(name: "wrong", port: port, password: "Wrong-Passw0rd1")
                let refused = try await a.runReplication(try await a.createReplicationPolicy(name: "refused", side: "src_registry", registryID: wrong))
                #expect(refused["status"] as? String == "Failed", "\(refused)")
                let refusal = try #require(refused["status_text"] as? String)
                #expect(refusal.contains("listing repositories") && refusal.contains("not authorized") && refusal.contains("invalid username or password"), "\(refusal)")

                // Nothing listening.
                let closed = try await a.api(.post, "/registries", json: #"{"name":"closed","type":"docker-registry","url":"http://127.0.0.1:9"}"#)
                let closedID = Int64(try #require(closed.header("Location")).split(separator: "/").last!)!
                let unreachable = try await a.runReplication(try await a.createReplicationPolicy(name: "gone", side: "src_registry", registryID: closedID))
                #expect(unreachable["status"] as? String == "Failed" && (unreachable["status_text"] as? String ?? "").contains("could not be reached"), "\(unreachable)")

                // A target that refuses the blob (its project's quota): the task log has its answer.
                #expect(try await b.api(.post, "/projects", json: #"{"project_name":"myproject","storage_limit":10}"#).status == .created)
                _ = try await a.pushLayeredImage("myproject/big", reference: "v1", layers: [Array(repeating: 7, count: 4096)])
                let target = try await a.createRegistryEndpoint(name: "b", port: port)
                let push = try await a.createReplicationPolicy(name: "push", side: "dest_registry", registryID: target)
                let denied = try await a.runReplication(push, seconds: 180)
                #expect(denied["status"] as? String == "Failed" && denied["failed"] as? Int == 1, "\(denied)")
                let log = try await a.replicationLogs(Int64(try #require(denied["id"] as? Int)))
                #expect(log.contains("copying the blob") && log.contains("403") && log.contains("Quota exceeded"), "\(log)")

                // Stop during a slow copy (1 KB/s): the execution ends Stopped, not InProgress.
                _ = try await a.createProject("slow")
                _ = try await a.pushLayeredImage("slow/app", reference: "v1", layers: [Array(repeating: 9, count: 256 << 10)])
                let slow = #"{"speed":1,"filters":[{"type":"name","value":"slow/**"}]}"#
                #expect(try await a.api(.put, "/replication/policies/\(push)", json: slow).status == .ok)
                let started = try await a.api(.post, "/replication/executions", json: #"{"policy_id":\#(push)}"#)
                let id = Int64(try #require(started.header("Location")).split(separator: "/").last!)!
                try await eventually(seconds: 60, "a copy task is running") {
                    try await a.api(.get, "/replication/executions/\(id)/tasks?status=InProgress").array().count > 0
                }
                #expect(try await a.api(.put, "/replication/executions/\(id)").status == .ok)
                let stopped = try await a.finishedExecution(id, seconds: 60)
                #expect(stopped["status"] as? String == "Stopped", "\(stopped)")
            }
        }
    }

    @Test func singleActiveReplicationSkipsARunWhileAnotherIsActive() async throws {
        try await Harness.run(live: true) { a in
            try await Harness.run(live: true) { b in
                _ = try await a.createProject("slow")
                _ = try await a.pushLayeredImage("slow/app", reference: "v1", layers: [Array(repeating: 3, count: 128 << 10)])
                let registry = try await a.createRegistryEndpoint(name: "b", port: try #require(b.port))
                let policy = try await a.createReplicationPolicy(name: "one-at-a-time", side: "dest_registry", registryID: registry,
                                                                 extra: #","speed":1,"single_active_replication":true"#)
                let first = try await a.api(.post, "/replication/executions", json: #"{"policy_id":\#(policy)}"#)
                let firstID = Int64(try #require(first.header("Location")).split(separator: "/").last!)!
                try await eventually(seconds: 60, "the first run is copying") {
                    try await a.api(.get, "/replication/executions/\(firstID)/tasks?status=InProgress").array().count == 1
                }
                let second = try await a.runReplication(policy)
                #expect(second["status"] as? String == "Succeed" && second["total"] as? Int == 0, "\(second)")
                #expect(try await a.api(.put, "/replication/executions/\(firstID)").status == .ok)
                #expect(try await a.finishedExecution(firstID)["status"] as? String == "Stopped")
            }
        }
    }
}
