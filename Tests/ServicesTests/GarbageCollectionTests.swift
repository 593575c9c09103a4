import BerthServer
import BerthTestSupport
import BlobStore
import Foundation
import HTTPTypes
import Metadata
import OCI
import Services
import Testing

/// Garbage collection against a real database and real files, driven through the registry API
/// the way clients push and delete.
@Suite struct GarbageCollectionTests {
    static func collect(_ h: Harness, deleteUntagged: Bool = true, dryRun: Bool = false) async throws -> GarbageCollector.Result {
        try await collector(h).run(GarbageCollectionParameters(deleteUntagged: deleteUntagged, dryRun: dryRun)) { _ in }
    }

    static func collector(_ h: Harness, batchSize: Int = 1000) -> GarbageCollector {
        GarbageCollector(database: h.server.database, blobs: h.server.backend.blobs, uploads: h.server.uploadExpiry, batchSize: batchSize)
    }

    static func hasFile(_ h: Harness, _ digest: Digest) -> Bool {
        FileManager.default.fileExists(atPath: h.server.configuration.effectiveFilesystemRoot + "/" + BlobLayout.blob(digest).description)
    }

    /// The layer digest of a one-layer image manifest.
    static func layer(of manifest: [UInt8]) throws -> Digest {
        try blobs(of: manifest)[1]
    }

    /// Config, then layers.
    static func blobs(of manifest: [UInt8]) throws -> [Digest] {
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(manifest)) as? [String: Any])
        let config = try #require(parsed["config"] as? [String: Any])
        let layers = try #require(parsed["layers"] as? [[String: Any]])
        return try ([config] + layers).map { try Digest(parsing: try #require($0["digest"] as? String)) }
    }

    @Test func untaggedArtifactsAndTheirBlobsGoDryRunCountsTheSame() async throws {
        try await Harness.run { h in
            let gone = try await h.pushImage("library/app", tag: "v1", layer: "layer one")
            let kept = try await h.pushImage("library/app", tag: "v2", layer: "layer two")
            let goneLayer = try Self.layer(of: gone.bytes), keptLayer = try Self.layer(of: kept.bytes)
            #expect(try await h.request(.delete, "/api/v2.0/projects/library/repositories/app/artifacts/v1/tags/v1").status == .ok)

            let dry = try await Self.collect(h, dryRun: true)
            #expect(dry.artifacts == 1 && dry.blobs == 1 && dry.bytes == Int64("layer one".utf8.count))
            #expect(Self.hasFile(h, goneLayer), "a dry run deletes nothing")
            let real = try await Self.collect(h)
            #expect(real.artifacts == dry.artifacts && real.blobs == dry.blobs && real.bytes == dry.bytes)
            #expect(!Self.hasFile(h, goneLayer) && Self.hasFile(h, keptLayer))
            #expect(try await h.request(.get, "/v2/library/app/manifests/\(gone.digest)").status == .notFound)
            #expect(try await h.request(.get, "/v2/library/app/manifests/v2").bytes == kept.bytes)
            #expect(try await h.request(.get, "/v2/library/app/blobs/\(keptLayer)").bytes == Array("layer two".utf8))
            #expect(try await Self.collect(h) == GarbageCollector.Result())
        }
    }

    @Test func withoutDeleteUntaggedAnUntaggedArtifactKeepsItsBlobs() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage("library/app", tag: "v1", layer: "untagged layer")
            #expect(try await h.request(.delete, "/api/v2.0/projects/library/repositories/app/artifacts/v1/tags/v1").status == .ok)
            #expect(try await Self.collect(h, deleteUntagged: false).blobs == 0)
            #expect(try await h.request(.get, "/v2/library/app/blobs/\(try Self.layer(of: image.bytes))").status == .ok)
        }
    }

    /// No time window: a repository deleted a moment ago frees its bytes at the next run.
    @Test func aDeletedRepositoryIsFreedAtTheNextRun() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage("library/gone", tag: "v1", layer: "repo layer", extra: #","author":"gone""#)
            #expect(try await h.request(.delete, "/api/v2.0/projects/library/repositories/gone").status == .ok)
            let result = try await Self.collect(h, deleteUntagged: false)
            #expect(result.blobs == 2)
            #expect(!Self.hasFile(h, try Self.layer(of: image.bytes)))
        }
    }

    /// A push in flight (blobs uploaded, manifest not yet) loses nothing.
    @Test func blobsOfAPushInFlightSurvive() async throws {
        try await Harness.run { h in
            let manifest = try await h.pushImageContent("library/app", config: #"{"architecture":"arm64","os":"linux"}"#, layer: "in flight")
            #expect(try await Self.collect(h).blobs == 0)
            #expect(try await h.putManifest(manifest, repository: "library/app", reference: "v1").status == .created)
            #expect(try await h.request(.get, "/v2/library/app/blobs/\(try Self.layer(of: manifest))").bytes == Array("in flight".utf8))
        }
    }

    /// A manifest deleted leaves its blobs' links unused: garbage at once, unless a client's HEAD
    /// (before skipping the upload of a blob it is about to reference again) renews the link.
    @Test func orphanedLinksAreGarbageUnlessAHeadRenewsThem() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage("library/app", tag: "v1", layer: "reused layer")
            let layer = try Self.layer(of: image.bytes)
            #expect(try await h.request(.delete, "/v2/library/app/manifests/\(image.digest)").status == .accepted)
            for blob in try Self.blobs(of: image.bytes) {
                #expect(try await h.request(.head, "/v2/library/app/blobs/\(blob)").status == .ok)
            }
            #expect(try await Self.collect(h).blobs == 0, "renewed by the HEADs")
            #expect(try await h.putManifest(image.bytes, repository: "library/app", reference: "v1").status == .created)
            #expect(try await h.request(.delete, "/v2/library/app/manifests/\(image.digest)").status == .accepted)
            #expect(try await Self.collect(h).blobs == 2)
            #expect(try await h.request(.head, "/v2/library/app/blobs/\(layer)").status == .notFound)
            #expect(!Self.hasFile(h, layer))
        }
    }

    /// A sweep that dies after removing files but before its transaction commits (a crash, a kill)
    /// leaves rows that nothing references, and the next run finishes the job.
    @Test func aSweepKilledMidwayIsFinishedByTheNextRun() async throws {
        try await Harness.run { h in
            var garbage: [Digest] = []
            for i in 0..<4 {
                let image = try await h.pushImage("library/app", tag: "t\(i)", layer: "layer \(i)")
                garbage.append(try Self.layer(of: image.bytes))
                #expect(try await h.request(.delete, "/api/v2.0/projects/library/repositories/app/artifacts/t\(i)").status == .ok)
            }
            let survivor = try await h.pushImage("library/app", tag: "keep", layer: "survivor")
            let store = GarbageCollectionStore(database: h.server.database)
            #expect(try await store.removeOrphanedLinks(after: .start, limit: 100, abandonedBefore: 0, dryRun: false).count == 4,
                    "four layers; the config is the survivor's too")
            #expect(try await store.markUnreferenced(after: "", limit: 100).count == 4)
            struct Killed: Error {}
            let blobs = h.server.backend.blobs
            await #expect(throws: Killed.self) {
                _ = try await store.sweepMarked(after: "", limit: 2) { deleted in
                    for entry in deleted { try await blobs.delete(entry.digest) }
                    throw Killed()
                }
            }
            // What survives is whole: its manifest and every blob it names are served.
            #expect(try await h.request(.get, "/v2/library/app/manifests/keep").bytes == survivor.bytes)
            #expect(try await h.request(.get, "/v2/library/app/blobs/\(try Self.layer(of: survivor.bytes))").status == .ok)
            let result = try await Self.collect(h)
            #expect(result.blobs == 4)
            #expect(garbage.allSatisfy { !Self.hasFile(h, $0) })
        }
    }

    /// A platform manifest pushed by digest, before the index that will list it, is a push in flight:
    /// `delete_untagged` spares it, and the index push that follows succeeds.
    @Test func aManifestPushedByDigestBeforeItsIndexSurvives() async throws {
        try await Harness.run { h in
            let child = try await h.pushImageContent("library/multi", config: #"{"architecture":"arm64","os":"linux"}"#, layer: "platform layer")
            let childDigest = Digest.of(child)
            #expect(try await h.putManifest(child, repository: "library/multi", reference: childDigest.description).status == .created)
            #expect(try await Self.collect(h).artifacts == 0)
            let index = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[{"mediaType":"\(MediaType.ociManifest)","digest":"\(childDigest)","size":\(child.count),"platform":{"architecture":"arm64","os":"linux"}}]}
                """.utf8)
            #expect(try await h.putManifest(index, repository: "library/multi", reference: "latest", mediaType: MediaType.ociIndex).status == .created)
            // once the index is gone (its tag deleted), index and child are garbage at once
            #expect(try await h.request(.delete, "/api/v2.0/projects/library/repositories/multi/artifacts/latest/tags/latest").status == .ok)
            let result = try await Self.collect(h)
            #expect(result.artifacts == 2 && result.blobs == 2)
        }
    }

    /// Small batches walk the tables in many steps and find the same garbage.
    @Test func smallBatchesCollectEverything() async throws {
        try await Harness.run { h in
            for i in 0..<7 {
                _ = try await h.pushImage("library/app\(i % 3)", tag: "t\(i)", layer: "batch layer \(i)")
                #expect(try await h.request(.delete, "/api/v2.0/projects/library/repositories/app\(i % 3)/artifacts/t\(i)/tags/t\(i)").status == .ok)
            }
            let result = try await Self.collector(h, batchSize: 2).run(GarbageCollectionParameters()) { _ in }
            #expect(result.artifacts == 7 && result.blobs == 8, "7 layers and the one shared config")
        }
    }
}
