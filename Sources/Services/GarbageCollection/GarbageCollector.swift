import BlobStore
import Foundation
import Metadata
import OCI

/// Online garbage collection: pushes and pulls go on while it runs, and there is no time window.
///
/// 1. untagged artifacts (when asked), in passes until none is left (an index's children become
///    untagged leaves once the index is gone);
/// 2. blob links no manifest of their repository uses: at once when a manifest used them, after
///    the upload-session lifetime when none ever did (an abandoned push, not one in flight);
/// 3. blobs no manifest and no link references are marked;
/// 4. marked blobs still unreferenced are deleted with their files (`GarbageCollectionStore`
///    explains why a concurrent push can never lose a blob to this);
/// 5. abandoned upload sessions.
///
/// Every step walks its table in bounded batches by key, so memory is flat and a run that was
/// killed is simply run again: what it deleted is gone, what it marked is swept next time.
public struct GarbageCollector: Sendable {
    public struct Result: Sendable, Equatable {
        public var artifacts = 0
        public var links = 0
        public var blobs = 0
        public var bytes: Int64 = 0
        public var uploads = 0

        public init() {}
    }

    let store: GarbageCollectionStore
    let blobs: BlobStore
    let uploads: UploadExpiry
    let batchSize: Int

    public init(database: MetadataDatabase, blobs: BlobStore, uploads: UploadExpiry, batchSize: Int = 1000) {
        self.store = GarbageCollectionStore(database: database)
        self.blobs = blobs
        self.uploads = uploads
        self.batchSize = batchSize
    }

    public func run(_ parameters: GarbageCollectionParameters, log write: @escaping @Sendable (String) -> Void) async throws -> Result {
        let started = ContinuousClock.now
        // every line says when it happened, so a slow step shows in the log
        let log: @Sendable (String) -> Void = { line in
            let elapsed = (ContinuousClock.now - started).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            write("[\(String(format: "%7.2f", seconds)) s] \(line)")
        }
        let now = WallClock.nowMillis()
        let abandonedBefore = now - uploads.maximumIdleMillis
        log("garbage collection started: delete_untagged=\(parameters.deleteUntagged) dry_run=\(parameters.dryRun) workers=\(parameters.workers)")
        var result = parameters.dryRun
            ? try await dryRun(parameters, abandonedBefore: abandonedBefore, log: log)
            : try await collect(parameters, abandonedBefore: abandonedBefore, log: log)
        if !parameters.dryRun {
            result.uploads = try await uploads.purge(nowMillis: now)
            log("removed \(result.uploads) abandoned upload sessions")
        }
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let verb = parameters.dryRun ? "would delete" : "deleted"
        log("garbage collection \(parameters.dryRun ? "dry run " : "")finished in \(String(format: "%.2f", seconds)) s: "
            + "\(verb) \(result.artifacts) untagged artifacts and \(result.blobs) blobs, "
            + "\(parameters.dryRun ? "would free" : "freed") \(result.bytes) bytes (\(ByteCount.human(result.bytes)))")
        return result
    }

    private func collect(_ parameters: GarbageCollectionParameters, abandonedBefore: Int64,
                         log: @Sendable (String) -> Void) async throws -> Result {
        var result = Result()
        if parameters.deleteUntagged {
            for _ in 0..<16 {
                var cursor: Int64 = 0, deleted = 0
                while true {
                    try Task.checkCancellation()
                    let batch = try await store.deleteUntaggedArtifacts(afterID: cursor, limit: batchSize, dryRun: false)
                    if batch.scanned == 0 { break }
                    deleted += batch.count
                    cursor = batch.next
                }
                result.artifacts += deleted
                if deleted == 0 { break }
            }
            log("deleted \(result.artifacts) untagged artifacts")
        }
        var link = GarbageCollectionStore.LinkKey.start
        while true {
            try Task.checkCancellation()
            let batch = try await store.removeOrphanedLinks(after: link, limit: batchSize, abandonedBefore: abandonedBefore, dryRun: false)
            if batch.scanned == 0 { break }
            result.links += batch.count
            link = batch.next
        }
        log("removed \(result.links) blob links that no manifest uses")
        var digest = "", marked = 0, markedBytes: Int64 = 0
        while true {
            try Task.checkCancellation()
            let batch = try await store.markUnreferenced(after: digest, limit: batchSize)
            if batch.scanned == 0 { break }
            marked += batch.count
            markedBytes += batch.bytes
            digest = batch.next
        }
        log("marked \(marked) unreferenced blobs (\(markedBytes) bytes)")
        digest = ""
        let workers = parameters.workers, blobs = self.blobs
        while true {
            try Task.checkCancellation()
            let batch = try await store.sweepMarked(after: digest, limit: batchSize) { deleted in
                try await Self.removeFiles(deleted.map(\.digest), from: blobs, workers: workers)
            }
            if batch.scanned == 0 { break }
            result.blobs += batch.count
            result.bytes += batch.bytes
            digest = batch.next
        }
        log("deleted \(result.blobs) blobs, freed \(result.bytes) bytes")
        return result
    }

    private func dryRun(_ parameters: GarbageCollectionParameters, abandonedBefore: Int64,
                        log: @Sendable (String) -> Void) async throws -> Result {
        var result = Result()
        if parameters.deleteUntagged {
            var cursor: Int64 = 0
            while true {
                try Task.checkCancellation()
                let batch = try await store.deleteUntaggedArtifacts(afterID: cursor, limit: batchSize, dryRun: true)
                if batch.scanned == 0 { break }
                result.artifacts += batch.count
                cursor = batch.next
            }
            log("would delete \(result.artifacts) untagged artifacts")
        }
        var link = GarbageCollectionStore.LinkKey.start
        while true {
            try Task.checkCancellation()
            let batch = try await store.removeOrphanedLinks(after: link, limit: batchSize, abandonedBefore: abandonedBefore, dryRun: true)
            if batch.scanned == 0 { break }
            result.links += batch.count
            link = batch.next
        }
        log("would remove \(result.links) blob links that no manifest uses")
        var digest = ""
        while true {
            try Task.checkCancellation()
            let batch = try await store.countCollectable(after: digest, limit: batchSize, deleteUntagged: parameters.deleteUntagged,
                                                         abandonedBefore: abandonedBefore)
            if batch.scanned == 0 { break }
            result.blobs += batch.count
            result.bytes += batch.bytes
            digest = batch.next
        }
        log("would delete \(result.blobs) blobs, freeing \(result.bytes) bytes")
        return result
    }

    /// Deletes blob files in `workers` concurrent batches.
    static func removeFiles(_ digests: [Digest], from blobs: BlobStore, workers: Int) async throws {
        let share = max(1, (digests.count + workers - 1) / max(1, workers))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for start in stride(from: 0, to: digests.count, by: share) {
                let batch = Array(digests[start..<min(start + share, digests.count)])
                group.addTask { try await blobs.delete(batch) }
            }
            try await group.waitForAll()
        }
    }
}
