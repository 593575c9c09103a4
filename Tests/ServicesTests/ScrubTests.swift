import BerthServer
import BerthTestSupport
import BlobStore
import Foundation
import HTTPTypes
import Metadata
import OCI
@testable import Services
import Synchronization
import Testing

/// The scrub against a real database and real files, damaged by hand the ways disks and crashes
/// damage them.
@Suite struct ScrubTests {
    static func scrub(_ h: Harness, repair: Bool = false, workers: Int = 2) async throws -> (report: Scrubber.Report, log: String) {
        let lines = LogLines()
        let report = try await Scrubber(database: h.server.database, blobs: h.server.backend.blobs, manifestBatch: 2, strayAge: .milliseconds(50))
            .run(ScrubParameters(repair: repair, workers: workers)) { lines.append($0) }
        return (report, lines.text)
    }

    static func path(_ h: Harness, _ digest: Digest) -> String {
        h.server.configuration.effectiveFilesystemRoot + "/" + BlobLayout.blob(digest).description
    }

    @Test func aSoundRegistryHasNoProblemsAndEveryBlobIsHashed() async throws {
        try await Harness.run { h in
            let one = try await h.pushImage("library/app", tag: "v1", layer: "layer one")
            try await h.pushImage("library/app", tag: "v2", layer: "layer two")
            try await h.pushImage("library/other", tag: "v1", layer: "layer one")   // the same layer, stored once
            // An index over the first image, and a blob uploaded by a client that has not sent its manifest yet.
            let index = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[{"mediaType":"\(MediaType.ociManifest)",\
                "digest":"\(one.digest)","size":\(one.bytes.count),"platform":{"architecture":"amd64","os":"linux"}}]}
                """.utf8)
            #expect(try await h.putManifest(index, repository: "library/app", reference: "multi", mediaType: MediaType.ociIndex).status == .created)
            try await h.pushBlob(Array("a blob whose manifest is not pushed yet".utf8), to: "library/app")

            let (report, log) = try await Self.scrub(h)
            #expect(report.problems == 0, "\(log)")
            #expect(report.stray_files == 0 && report.unreferenced_rows == 0, "\(log)")
            // Every recorded blob was hashed, each once, whichever repositories share it.
            let recorded = try await ScrubStore(database: h.server.database).totals()
            #expect(report.blobs_checked == recorded.blobs)
            #expect(report.bytes_checked == recorded.bytes)
            #expect(report.manifests_checked == 4)
            #expect(log.contains("scrub finished"))
        }
    }

    @Test func corruptMissingAndStrayBlobsAreFoundAndRepaired() async throws {
        try await Harness.run { h in
            let corrupted = try await h.pushImage("library/app", tag: "corrupt", layer: "bytes that rot")
            let lost = try await h.pushImage("library/app", tag: "lost", layer: "bytes that vanish")
            let sound = try await h.pushImage("library/app", tag: "sound", layer: "bytes that stay")
            let corruptLayer = try GarbageCollectionTests.layer(of: corrupted.bytes)
            let lostLayer = try GarbageCollectionTests.layer(of: lost.bytes)
            // One byte flipped in place (same size), one file deleted, one file nobody recorded.
            let handle = try #require(FileHandle(forUpdatingAtPath: Self.path(h, corruptLayer)))
            try handle.write(contentsOf: Data("X".utf8))
            try handle.close()
            try FileManager.default.removeItem(atPath: Self.path(h, lostLayer))
            let strayBytes = Array("a blob whose push died before its row".utf8)
            let stray = Digest.of(strayBytes)
            try FileManager.default.createDirectory(atPath: (Self.path(h, stray) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(strayBytes).write(to: URL(fileURLWithPath: Self.path(h, stray)))

            let (found, log) = try await Self.scrub(h)
            #expect(found.corrupt_blobs == 1 && found.missing_blobs == 1, "\(log)")
            #expect(found.broken_manifests == 2, "\(log)")   // the two images whose layers were damaged
            #expect(found.stray_files == 1 && found.stray_bytes == Int64(strayBytes.count), "\(log)")
            #expect(found.problems == 4 && found.repaired == 0)
            #expect(log.contains("CORRUPT \(corruptLayer)") && log.contains("library/app@\(corrupted.digest)"), "\(log)")
            #expect(log.contains("MISSING \(lostLayer)") && log.contains("STRAY \(stray)"), "\(log)")
            // Reporting changed nothing: the corrupt layer is still served (and fails the client's check).
            #expect(try await h.request(.head, "/v2/library/app/blobs/\(corruptLayer)").status == .ok)

            let (repaired, repairLog) = try await Self.scrub(h, repair: true)
            #expect(repaired.repaired == 3, "\(repairLog)")
            #expect(repairLog.contains("quarantine/sha256-\(corruptLayer.hex)-"), "\(repairLog)")
            // Taken out of service: a client asking is told to upload them, and the stray file is GC's.
            #expect(try await h.request(.head, "/v2/library/app/blobs/\(corruptLayer)").status == .notFound)
            #expect(try await h.request(.head, "/v2/library/app/blobs/\(lostLayer)").status == .notFound)
            // Their rows stay for the manifests that name them, but are not stored bytes to anyone
            // (replication and the proxy cache link stored blobs without copying them).
            let references = BlobReferenceStore(database: h.server.database)
            #expect(try await references.storedSize(corruptLayer) == nil)
            #expect(try await references.storedSize(lostLayer) == nil)
            #expect(try await references.linkStored(lostLayer, to: try RepositoryName("library/copy"), projectID: 1) == nil)
            _ = try await GarbageCollectionTests.collect(h)
            #expect(!FileManager.default.fileExists(atPath: Self.path(h, stray)))

            // Pushing the images again restores them, and then nothing is wrong.
            try await h.pushImage("library/app", tag: "corrupt", layer: "bytes that rot")
            try await h.pushImage("library/app", tag: "lost", layer: "bytes that vanish")
            let (after, afterLog) = try await Self.scrub(h)
            #expect(after.problems == 0 && after.stray_files == 0, "\(afterLog)")
            let pulled = try await h.request(.get, "/v2/library/app/blobs/\(corruptLayer)")
            #expect(pulled.bytes == Array("bytes that rot".utf8))
            #expect(try await h.request(.get, "/v2/library/app/manifests/sound").bytes == sound.bytes)
        }
    }

    @Test func aManifestWhoseStoredContentChangedIsReportedAndLeftAlone() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage("library/app", tag: "v1", layer: "layer")
            var tampered = image.bytes
            tampered[tampered.count - 2] = UInt8(ascii: " ")   // still JSON, no longer its digest
            let stored = Data(tampered)
            try await h.server.database.write { db in
                try await db.raw("UPDATE manifests SET payload = \(bind: stored) WHERE digest = \(bind: image.digest.description)").run()
            }
            let (report, log) = try await Self.scrub(h, repair: true)
            #expect(report.broken_manifests == 1 && report.repaired == 0, "\(log)")
            #expect(log.contains("BROKEN library/app@\(image.digest): its stored content hashes to \(Digest.of(tampered))"), "\(log)")
        }
    }

    @Test func aRowWhoseFileAnInterruptedCollectionRemovedIsNotDamage() async throws {
        try await Harness.run { h in
            // What a garbage collection killed after deleting a swept blob's file, before its
            // transaction committed, leaves: a marked row nothing references, without a file.
            let bytes = Array("collected half way".utf8)
            let digest = try await h.pushBlob(bytes, to: "library/app")
            try await h.server.database.write { db in
                try await db.raw("DELETE FROM repository_blobs WHERE digest = \(bind: digest.description)").run()
                try await db.raw("UPDATE blobs SET status = 'marked' WHERE digest = \(bind: digest.description)").run()
            }
            try FileManager.default.removeItem(atPath: Self.path(h, digest))
            let (report, log) = try await Self.scrub(h)
            #expect(report.problems == 0 && report.unreferenced_rows == 1, "\(log)")
            let (repaired, _) = try await Self.scrub(h, repair: true)
            #expect(repaired.unreferenced_rows == 1 && repaired.repaired == 1)
            #expect(try await ScrubStore(database: h.server.database).isRecorded(digest) == false)
        }
    }

    @Test func aWrongRecordedSizeIsCorrectedAndACorruptStrayIsMovedAside() async throws {
        try await Harness.run { h in
            let digest = try await h.pushBlob(Array("right bytes, wrong record".utf8), to: "library/app")
            try await h.server.database.write { db in
                try await db.raw("UPDATE blobs SET size = size + 7 WHERE digest = \(bind: digest.description)").run()
            }
            // A file under a digest its bytes are not: a later push of that digest would find it
            // in place and keep it.
            let claimed = Digest.of(Array("what the name promises".utf8))
            try FileManager.default.createDirectory(atPath: (Self.path(h, claimed) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data("something else".utf8).write(to: URL(fileURLWithPath: Self.path(h, claimed)))

            let (found, log) = try await Self.scrub(h)
            #expect(found.size_mismatches == 1 && found.problems == 1, "\(log)")
            #expect(found.stray_files == 1 && log.contains("STRAY \(claimed)") && log.contains("hashing to \(Digest.of(Array("something else".utf8)))"), "\(log)")
            let (repaired, repairLog) = try await Self.scrub(h, repair: true)
            #expect(repaired.repaired == 2, "\(repairLog)")
            #expect(!FileManager.default.fileExists(atPath: Self.path(h, claimed)), "the corrupt stray was left in place")
            #expect(try await ScrubStore(database: h.server.database).isRecorded(claimed) == false, "a corrupt stray was adopted")
            let (after, afterLog) = try await Self.scrub(h)
            #expect(after.problems == 0 && after.stray_files == 0, "\(afterLog)")
            #expect(try await BlobReferenceStore(database: h.server.database).storedSize(digest) == Int64("right bytes, wrong record".utf8.count))
        }
    }

    @Test func aTagPointingAtNoManifestIsFoundAndRemoved() async throws {
        try await Harness.run { h in
            _ = try await h.pushImage("library/app", tag: "v1")
            // Foreign keys forbid it; a database restored from parts can still hold one.
            if TestDatabase.postgresServerURL != nil {
                try await h.server.database.write { db in
                    try await db.raw("SET LOCAL session_replication_role = replica").run()
                    try await db.raw("""
                        INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at)
                        SELECT repository_id, 'ghost', 999999, 0, 0 FROM tags LIMIT 1
                        """).run()
                }
            } else {
                let file = String(h.server.configuration.effectiveDatabaseURL.dropFirst("sqlite://".count))
                try await ChildProcess.check("python3", ["-c", """
                    import sqlite3, sys
                    db = sqlite3.connect(sys.argv[1])
                    db.execute("INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at) SELECT repository_id, 'ghost', 999999, 0, 0 FROM tags LIMIT 1")
                    db.commit()
                    """, file])
            }
            let (found, log) = try await Self.scrub(h)
            #expect(found.dangling_tags == 1 && log.contains("DANGLING tag library/app:ghost"), "\(log)")
            let (repaired, _) = try await Self.scrub(h, repair: true)
            #expect(repaired.dangling_tags == 1 && repaired.repaired == 1)
            #expect(try await Self.scrub(h).report.problems == 0)
            #expect(try await h.request(.get, "/v2/library/app/manifests/v1").status == .ok)
        }
    }

    @Test func theRateLimitPacesTheReads() async throws {
        // Six 1 MiB chunks at 2 MiB/s: turns at 0, 0.5, ... 2.5 s.
        let rate = ByteRate(bytesPerSecond: 2 << 20)
        let started = ContinuousClock.now
        for _ in 0..<6 { try await rate.take(1 << 20) }
        #expect(ContinuousClock.now - started >= .milliseconds(2400))

        try await Harness.run { h in
            // The scrub's own reads go through it: 5 MiB at 1 MiB/s take at least 4 s.
            try await h.pushBlob([UInt8](repeating: 7, count: 5 << 20), to: "library/big")
            let started = ContinuousClock.now
            let report = try await Scrubber(database: h.server.database, blobs: h.server.backend.blobs)
                .run(ScrubParameters(workers: 4, rateMiB: 1)) { _ in }
            #expect(report.bytes_checked == 5 << 20)
            #expect(ContinuousClock.now - started >= .milliseconds(3900))
        }
    }
}

/// Log lines collected from a run.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}
