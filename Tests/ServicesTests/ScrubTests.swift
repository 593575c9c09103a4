import BerthServer
import BerthTestSupport
import BlobStore
import Foundation
import HTTPTypes
import Metadata
import OCI
import Services
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
            // An index over the first image, and a blob pushed by a client that has not sent its manifest yet.
            let index = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[{"mediaType":"\(MediaType.ociManifest)",\
                "digest":"\(one.digest)","size":\(one.bytes.count),"platform":{"architecture":"amd64","os":"linux"}}]}
                """.utf8)
            #expect(try await h.putManifest(index, repository: "library/app", reference: "multi", mediaType: MediaType.ociIndex).status == .created)
            try await h.pushBlob(Array("in flight".utf8), to: "library/app")

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

    @Test func theRateLimitPacesTheReads() async throws {
        try await Harness.run { h in
            // 3 MiB at 2 MiB/s takes at least a second (the first chunk is free).
            try await h.pushBlob([UInt8](repeating: 7, count: 3 << 20), to: "library/big")
            let started = ContinuousClock.now
            let report = try await Scrubber(database: h.server.database, blobs: h.server.backend.blobs)
                .run(ScrubParameters(workers: 4, rateMiB: 2)) { _ in }
            #expect(report.bytes_checked == 3 << 20)
            #expect(ContinuousClock.now - started >= .milliseconds(900))
        }
    }
}

/// Log lines collected from a run.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}
