import BerthTestSupport
import Foundation
import OCI
import Testing
@testable import Metadata

/// Runs on SQLite, or on PostgreSQL when BERTH_TEST_DATABASE_URL is set (scripts/test does both).
@Suite struct PullCacheTests {
    /// A tag moved behind the clock's back (a plain `write`) is still served from the cache at the
    /// old stamp, which shows the answer was cached; every change made the proper way moves the
    /// clock, and the next stamp reads the change.
    @Test func answersAreKeptUntilAChangeToThemIsCommitted() async throws {
        try await TestDatabase.with { db in
            let projects = ProjectStore(database: db)
            let project = try await projects.createIfMissing(name: "p", isPublic: false, ownerID: nil)
            let artifacts = ArtifactStore(database: db)
            let repo = try RepositoryName("p/app"), v1 = Reference.tag(try Tag("v1"))
            let layer = StoreTests.digest("layer")
            try await BlobReferenceStore(database: db).link(layer, size: 5, to: repo, projectID: project.id)
            let first = StoreTests.record("first", blobs: [layer]), second = StoreTests.record("second", blobs: [layer])
            try await artifacts.put(first, tag: try Tag("v1"), in: repo, projectID: project.id)
            try await artifacts.put(second, tag: nil, in: repo, projectID: project.id)
            // Entries never age out here: a loaded test run may take longer than the 10 s default.
            let cache = PullCache(database: db, maximumAge: .hours(1))

            let stamp = try #require(await cache.stamp())
            #expect(try await cache.manifest(v1, in: repo, withPayload: true, at: stamp)?.digest == first.digest)
            #expect(try await cache.project(named: "p", at: stamp) == PullProject(project: project, hasPullGates: false))
            try await db.write { sql in
                try await sql.raw("""
                    UPDATE tags SET manifest_id = (SELECT id FROM manifests WHERE digest = \(bind: second.digest.description))
                    WHERE name = 'v1'
                    """).run()
            }
            #expect(await cache.stamp() == stamp)
            #expect(try await cache.manifest(v1, in: repo, withPayload: true, at: stamp)?.payload == first.payload)
            // Without a stamp nothing cached is used.
            #expect(try await cache.manifest(v1, in: repo, withPayload: true, at: nil)?.digest == second.digest)

            try await artifacts.put(first, tag: try Tag("v1"), in: repo, projectID: project.id)
            let moved = try #require(await cache.stamp())
            #expect(moved != stamp)
            #expect(try await cache.manifest(v1, in: repo, withPayload: false, at: moved)?.digest == first.digest)

            try await projects.updateMetadata(["public": "true", "prevent_vul": "true"], projectID: project.id)
            let settings = try #require(await cache.stamp())
            let found = try #require(try await cache.project(named: "p", at: settings))
            #expect(settings != moved && found.project.isPublic && found.hasPullGates)

            #expect(try await artifacts.deleteTag(try Tag("v1"), in: repo))
            let untagged = try #require(await cache.stamp())
            #expect(untagged != settings)
            #expect(try await cache.manifest(v1, in: repo, withPayload: false, at: untagged) == nil)
            try await artifacts.deleteManifest(second.digest, in: repo)
            #expect(try await cache.manifest(.digest(second.digest), in: repo, withPayload: true, at: await cache.stamp()) == nil)
            #expect(try await RepositoryStore(database: db).delete(repo))
            #expect(try await projects.delete(id: project.id))
            #expect(try await cache.project(named: "p", at: await cache.stamp()) == nil)
        }
    }

    /// Two handles on one database (two nodes, or the server and `berth gc`) share the clock: a
    /// change through one moves the stamp the other reads.
    @Test func anotherHandleSeesTheClockMove() async throws {
        try await TestDatabase.withFreshURL { url, _ in
            let first = try await MetadataDatabase.open(.init(url: url), logger: .init(label: "a"))
            let second = try await MetadataDatabase.open(.init(url: url), logger: .init(label: "b"))
            let before = try #require(await second.changes.now())
            let project = try await ProjectStore(database: first).createIfMissing(name: "p", isPublic: false, ownerID: nil)
            #expect(await second.changes.now() == before)
            try await ProjectStore(database: first).updateMetadata(["public": "true"], projectID: project.id)
            let after = try #require(await second.changes.now())
            #expect(after != before)
            #expect(try await PullCache(database: second).project(named: "p", at: after)?.project.isPublic == true)
            await first.close()
            await second.close()
        }
    }

    /// Many requests at once share reads of the clock, and every one gets a stamp no older than
    /// the last change committed before it asked.
    @Test func concurrentReadsOfTheClockAreNeverOlderThanTheirRequest() async throws {
        try await TestDatabase.with { db in
            let projects = ProjectStore(database: db)
            let project = try await projects.createIfMissing(name: "p", isPublic: false, ownerID: nil)
            let cache = PullCache(database: db)
            for round in 0..<20 {
                try await projects.updateMetadata(["public": round % 2 == 0 ? "true" : "false"], projectID: project.id)
                let expected = round % 2 == 0
                try await withThrowingTaskGroup(of: Bool?.self) { group in
                    for _ in 0..<16 {
                        group.addTask { try await cache.project(named: "p", at: await cache.stamp())?.project.isPublic }
                    }
                    for try await seen in group { #expect(seen == expected) }
                }
            }
        }
    }
}
