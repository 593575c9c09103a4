import BerthTestSupport
import Foundation
import HummingbirdTesting
import Metadata
import OCI
import Testing

/// The webhooks' outbox: a push's event is written with the push, so one whose process died
/// before telling anyone is still announced; claims are leased, so two dispatchers do not both
/// announce an event and a dead one's events come back.
@Suite struct WebhookOutboxTests {
    @Test func aPushWrittenWithoutItsProcessTellingAnyoneIsStillAnnounced() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("outbox")
            let policy = try await h.api(.post, "/projects/outbox/webhook/policies", json: #"""
                {"name":"hook","enabled":true,"event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://127.0.0.1:9/hook"}]}
                """#)
            #expect(policy.status == .created, "\(policy.text)")
            let policyID = try #require(policy.header("Location")?.split(separator: "/").last.map(String.init))
            // The manifest and its outbox row, committed as a push commits them; nothing else is told.
            let content = try await h.pushImageContent("outbox/app", config: #"{"architecture":"amd64","os":"linux"}"#, layer: "outbox")
            let manifest = try Manifest(bytes: content, contentType: MediaType.ociManifest)
            let projectID = try #require(try await ProjectStore(database: h.server.database).find(name: "outbox")?.id)
            let digest = Digest.of(content)
            try await ArtifactStore(database: h.server.database).put(
                ManifestRecord(digest: digest, mediaType: MediaType.ociManifest, artifactType: manifest.artifactType, payload: content,
                               subject: nil, annotations: nil, blobs: manifest.requiredBlobs, children: []),
                tag: try Tag("v1"), in: try RepositoryName("outbox/app"), projectID: projectID,
                announce: OutboxEvent(type: OutboxEvent.pushed, projectID: projectID, repository: "outbox/app", digest: digest.description,
                                      details: .init(tags: ["v1"], operatorName: "admin")))
            try await eventually("the outbox to queue the delivery") {
                let executions = try await h.api(.get, "/projects/outbox/webhook/policies/\(policyID)/executions").array()
                return executions.count == 1 && (executions[0]["extra_attrs"] as? [String: Any])?["event_type"] as? String == "PUSH_ARTIFACT"
            }
            #expect(try await ArtifactEventStore(database: h.server.database).hasPending(types: [OutboxEvent.pushed]) == false)
        }
    }

    @Test func claimsAreLeased() async throws {
        try await TestDatabase.with { database in
            let store = ArtifactEventStore(database: database)
            for i in 0..<3 {
                try await store.append(OutboxEvent(
                    type: OutboxEvent.deleted, projectID: 1, repository: "p/r", digest: "sha256:\(i)", details: .init(tags: [], operatorName: nil)))
            }
            let first = try await store.claim(types: [OutboxEvent.deleted], limit: 2, leaseMillis: 1_000, now: 10_000)
            #expect(first.map(\.event.digest) == ["sha256:0", "sha256:1"])
            let second = try await store.claim(types: [OutboxEvent.deleted], limit: 5, leaseMillis: 1_000, now: 10_500)
            #expect(second.map(\.event.digest) == ["sha256:2"], "claimed rows are skipped while leased")
            try await store.delete(ids: [first[0].id])
            let again = try await store.claim(types: [OutboxEvent.deleted], limit: 5, leaseMillis: 1_000, now: 12_000)
            #expect(again.map(\.event.digest) == ["sha256:1", "sha256:2"], "an expired lease gives the rest back")
        }
    }
}
