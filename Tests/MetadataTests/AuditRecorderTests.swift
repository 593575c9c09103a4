import BerthTestSupport
import OCI
import Testing
@testable import Metadata

@Suite struct AuditRecorderTests {
    /// More pulls than one INSERT statement holds, over two repositories, land in one flush with the
    /// pull counts and last pull times.
    @Test func flushWritesPullsInBatches() async throws {
        try await TestDatabase.with { db in
            let project = try await ProjectStore(database: db).createIfMissing(name: "team", isPublic: false, ownerID: nil)
            let artifacts = ArtifactStore(database: db)
            var ids: [String: Int64] = [:]
            for name in ["team/a", "team/b"] {
                let payload = Array("{\"m\":\"\(name)\"}".utf8)
                ids[name] = try await artifacts.put(ManifestRecord(
                    digest: Digest.of(payload), mediaType: MediaType.ociManifest, artifactType: nil, payload: payload,
                    subject: nil, annotations: nil, blobs: [], children: []), tag: nil, in: try RepositoryName(name), projectID: project.id)
            }
            let recorder = AuditRecorder(database: db)
            let count = AuditLogStore.rowsPerStatement * 2 + 7
            for i in 0..<count {
                let name = i % 3 == 0 ? "team/b" : "team/a"
                recorder.recordPull(AuditEvent(projectID: project.id, operation: "pull", resourceType: "artifact",
                                               resource: name + ":latest", username: "u", time: Int64(1_000 + i)),
                                    repository: name, manifestID: ids[name]!)
            }
            #expect(recorder.bufferedPulls == count)
            try await recorder.flush()
            #expect(recorder.bufferedPulls == 0)
            let logs = AuditLogStore(database: db)
            #expect(try await logs.list(AuditLogFilter(projectIDs: [project.id]), page: .init(offset: 0, limit: 1)).total == Int64(count))
            let b = try #require(try await RepositoryStore(database: db).info(RepositoryName("team/b")))
            let a = try #require(try await RepositoryStore(database: db).info(RepositoryName("team/a")))
            #expect(b.pullCount == Int64((count + 2) / 3) && a.pullCount + b.pullCount == Int64(count))
            let latestA = try #require(try await artifacts.artifact(.digest(Digest.of(Array("{\"m\":\"team/a\"}".utf8))), in: RepositoryName("team/a")))
            #expect(latestA.pulledAt == Int64(1_000 + count - 1) || latestA.pulledAt == Int64(1_000 + count - 2))
            await recorder.close()
        }
    }
}
