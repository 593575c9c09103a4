import BerthTestSupport
import Foundation
import OCI
import Testing
@testable import Metadata

/// Runs on SQLite, or on PostgreSQL when BERTH_TEST_DATABASE_URL is set (scripts/test does both).
@Suite struct StoreTests {
    static func digest(_ text: String) -> Digest { Digest.of(Array(text.utf8)) }

    static func record(_ name: String, blobs: [Digest] = [], children: [Digest] = [], subject: Digest? = nil,
                       artifactType: String? = nil) -> ManifestRecord {
        let payload = Array("{\"m\":\"\(name)\"}".utf8)
        return ManifestRecord(digest: Digest.of(payload), mediaType: MediaType.ociManifest, artifactType: artifactType,
                              payload: payload, subject: subject, annotations: ["n": name], blobs: blobs, children: children)
    }

    @Test func migrationsAreIdempotent() async throws {
        try await TestDatabase.withFreshURL { url, _ in
            for _ in 0..<2 {
                let db = try await MetadataDatabase.open(.init(url: url), logger: .init(label: "t"))
                await db.close()
            }
        }
    }

    @Test func usersAndProjects() async throws {
        try await TestDatabase.with { db in
            let users = UserStore(database: db)
            let admin = try #require(try await users.create(username: "admin", passwordHash: "h", isAdmin: true))
            #expect(try await users.create(username: "admin", passwordHash: "x", isAdmin: false) == nil)
            #expect(try await users.find(username: "admin") == admin)
            let projects = ProjectStore(database: db)
            let library = try await projects.createIfMissing(name: "library", isPublic: true, ownerID: admin.id)
            #expect(try await projects.createIfMissing(name: "library", isPublic: false, ownerID: nil) == library)
            #expect(try await projects.find(name: "library")?.isPublic == true)
            let details = try await projects.details(of: [library.id], forUser: admin.id)
            #expect(details[library.id]?.ownerName == "admin" && details[library.id]?.repositoryCount == 0)
            #expect(details[library.id]?.metadata == ["public": "true"] && details[library.id]?.callerRole == nil)
        }
    }

    @Test func blobLinksAndGarbageQuery() async throws {
        try await TestDatabase.with { db in
            let project = try await ProjectStore(database: db).createIfMissing(name: "p", isPublic: false, ownerID: nil)
            let refs = BlobReferenceStore(database: db)
            let a = try RepositoryName("p/a"), b = try RepositoryName("p/b")
            let layer = Self.digest("layer"), other = Self.digest("other")
            try await refs.link(layer, size: 5, to: a, projectID: project.id)
            try await refs.link(layer, size: 5, to: a, projectID: project.id)
            try await refs.link(other, size: 7, to: b, projectID: project.id)
            #expect(try await refs.linkedSize(layer, in: a) == 5)
            #expect(try await refs.linkedSize(layer, in: b) == nil)
            let gc = GarbageCollectionStore(database: db)
            #expect(try await gc.markUnreferenced(after: "", limit: 10).count == 0)
            #expect(try await refs.unlink(other, from: b))
            #expect(try await !refs.unlink(other, from: b))
            #expect(try await gc.markUnreferenced(after: "", limit: 10).count == 1)
            let swept = try await gc.sweepMarked(after: "", limit: 10) { deleted in
                #expect(deleted.map(\.digest) == [other] && deleted.map(\.size) == [7])
            }
            #expect(swept.count == 1 && swept.bytes == 7)
            #expect(try await gc.sweepMarked(after: "", limit: 10) { _ in }.count == 0)
        }
    }

    @Test func manifestsTagsAndReferrers() async throws {
        try await TestDatabase.with { db in
            let project = try await ProjectStore(database: db).createIfMissing(name: "p", isPublic: false, ownerID: nil)
            let refs = BlobReferenceStore(database: db), artifacts = ArtifactStore(database: db)
            let repo = try RepositoryName("p/app")
            let layer = Self.digest("layer")

            await #expect(throws: MetadataError.manifestReferencesMissing(blobs: [layer], manifests: [])) {
                try await artifacts.put(Self.record("m", blobs: [layer]), tag: nil, in: repo, projectID: project.id)
            }
            try await refs.link(layer, size: 5, to: repo, projectID: project.id)
            let image = Self.record("image", blobs: [layer])
            try await artifacts.put(image, tag: try Tag("v1"), in: repo, projectID: project.id)
            try await artifacts.put(image, tag: try Tag("latest"), in: repo, projectID: project.id)

            let byTag = try #require(try await artifacts.manifest(.tag(try Tag("v1")), in: repo, withPayload: true))
            #expect(byTag.digest == image.digest && byTag.payload == image.payload && byTag.size == Int64(image.payload.count))
            let head = try #require(try await artifacts.manifest(.digest(image.digest), in: repo, withPayload: false))
            #expect(head.payload == nil && head.mediaType == MediaType.ociManifest)

            // Unreferenced-blob query sees the manifest's reference even after the repository link goes.
            #expect(try await refs.unlink(layer, from: repo))
            #expect(try await GarbageCollectionStore(database: db).markUnreferenced(after: "", limit: 5).count == 0)

            let index = Self.record("index", children: [image.digest])
            try await artifacts.put(index, tag: try Tag("multi"), in: repo, projectID: project.id)
            await #expect(throws: MetadataError.manifestReferenced(by: index.digest)) {
                try await artifacts.deleteManifest(image.digest, in: repo)
            }

            let sbom = Self.record("sbom", subject: image.digest, artifactType: "application/spdx+json")
            let sig = Self.record("sig", subject: image.digest, artifactType: "application/vnd.dev.cosign")
            try await artifacts.put(sbom, tag: nil, in: repo, projectID: project.id)
            try await artifacts.put(sig, tag: nil, in: repo, projectID: project.id)
            #expect(Set(try await artifacts.referrers(of: image.digest, in: repo, artifactType: nil).map(\.digest)) == [sbom.digest, sig.digest])
            let filtered = try await artifacts.referrers(of: image.digest, in: repo, artifactType: "application/spdx+json")
            #expect(filtered.map(\.digest) == [sbom.digest] && filtered.first?.annotations == ["n": "sbom"])

            #expect(try await artifacts.tags(in: repo, page: .init(limit: 10, after: nil)) == ["latest", "multi", "v1"])
            #expect(try await artifacts.tags(in: repo, page: .init(limit: 1, after: "latest")) == ["multi"])
            #expect(try await artifacts.tags(in: try RepositoryName("p/none"), page: .init(limit: 1, after: nil)) == nil)

            #expect(try await artifacts.deleteTag(try Tag("latest"), in: repo))
            #expect(try await artifacts.manifest(.tag(try Tag("v1")), in: repo, withPayload: false) != nil)
            try await artifacts.deleteManifest(index.digest, in: repo)
            try await artifacts.deleteManifest(image.digest, in: repo)
            #expect(try await artifacts.manifest(.tag(try Tag("v1")), in: repo, withPayload: false) == nil)
            #expect(try await artifacts.tags(in: repo, page: .init(limit: 10, after: nil)) == [])
        }
    }

    @Test func catalogPagesInByteOrder() async throws {
        try await TestDatabase.with { db in
            let store = ProjectStore(database: db)
            let p = try await store.createIfMissing(name: "p", isPublic: false, ownerID: nil)
            let q = try await store.createIfMissing(name: "q", isPublic: true, ownerID: nil)
            let refs = BlobReferenceStore(database: db)
            for name in ["p/b", "p/a", "p/B-x", "q/z"] {
                let repo = try RepositoryName(name.lowercased())
                try await refs.link(Self.digest(name), size: 1, to: repo, projectID: name.hasPrefix("q") ? q.id : p.id)
            }
            let repositories = RepositoryStore(database: db)
            #expect(try await repositories.catalog(page: .init(limit: 10, after: nil), projectIDs: nil) == ["p/a", "p/b", "p/b-x", "q/z"])
            #expect(try await repositories.catalog(page: .init(limit: 2, after: "p/a"), projectIDs: nil) == ["p/b", "p/b-x"])
            #expect(try await repositories.catalog(page: .init(limit: 10, after: nil), projectIDs: [q.id]) == ["q/z"])
        }
    }

    @Test func uploadSessions() async throws {
        try await TestDatabase.with { db in
            let sessions = UploadSessionStore(database: db)
            let repo = try RepositoryName("p/a")
            try await sessions.create(id: "s1", repository: repo)
            #expect(try await sessions.repository(of: "s1") == repo)
            #expect(try await sessions.stale(before: WallClock.nowMillis() + 1000) == ["s1"])
            try await sessions.delete(id: "s1")
            #expect(try await sessions.repository(of: "s1") == nil)
        }
    }

    @Test func concurrentWritersDoNotConflict() async throws {
        try await TestDatabase.with { db in
            let project = try await ProjectStore(database: db).createIfMissing(name: "p", isPublic: false, ownerID: nil)
            let refs = BlobReferenceStore(database: db)
            let repo = try RepositoryName("p/hot")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask { try await refs.link(Self.digest("b\(i)"), size: Int64(i), to: repo, projectID: project.id) }
                }
                try await group.waitForAll()
            }
            for i in [0, 17, 39] { #expect(try await refs.linkedSize(Self.digest("b\(i)"), in: repo) == Int64(i)) }
        }
    }
}
