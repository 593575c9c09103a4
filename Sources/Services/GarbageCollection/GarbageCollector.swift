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
            // Passes until none is left: deleting an index leaves its children untagged leaves.
            for _ in 0..<16 {
                let pass = try await walk(from: Int64(0)) { try await store.deleteUntaggedArtifacts(afterID: $0, limit: batchSize, abandonedBefore: abandonedBefore, dryRun: false) }
                result.artifacts += pass.count
                if pass.count == 0 { break }
            }
            log("deleted \(result.artifacts) untagged artifacts")
        }
        result.links = try await walk(from: GarbageCollectionStore.LinkKey.start) {
            try await store.removeOrphanedLinks(after: $0, limit: batchSize, abandonedBefore: abandonedBefore, dryRun: false)
        }.count
        log("removed \(result.links) blob links that no manifest uses")
        let marked = try await walk(from: "") { try await store.markUnreferenced(after: $0, limit: batchSize) }
        log("marked \(marked.count) unreferenced blobs (\(marked.bytes) bytes)")
        let workers = parameters.workers, blobs = self.blobs
        let swept = try await walk(from: "") {
            try await store.sweepMarked(after: $0, limit: batchSize) { deleted in
                try await Self.removeFiles(deleted.map(\.digest), from: blobs, workers: workers)
            }
        }
        (result.blobs, result.bytes) = (swept.count, swept.bytes)
        log("deleted \(result.blobs) blobs, freed \(result.bytes) bytes")
        return result
    }

    private func dryRun(_ parameters: GarbageCollectionParameters, abandonedBefore: Int64,
                        log: @Sendable (String) -> Void) async throws -> Result {
        var result = Result()
        if parameters.deleteUntagged {
            result.artifacts = try await walk(from: Int64(0)) {
                try await store.deleteUntaggedArtifacts(afterID: $0, limit: batchSize, abandonedBefore: abandonedBefore, dryRun: true)
            }.count
            log("would delete \(result.artifacts) untagged artifacts")
        }
        result.links = try await walk(from: GarbageCollectionStore.LinkKey.start) {
            try await store.removeOrphanedLinks(after: $0, limit: batchSize, abandonedBefore: abandonedBefore, dryRun: true)
        }.count
        log("would remove \(result.links) blob links that no manifest uses")
        let collectable = try await walk(from: "") {
            try await store.countCollectable(after: $0, limit: batchSize, deleteUntagged: parameters.deleteUntagged, abandonedBefore: abandonedBefore)
        }
        (result.blobs, result.bytes) = (collectable.count, collectable.bytes)
        log("would delete \(result.blobs) blobs, freeing \(result.bytes) bytes")
        return result
    }

    /// Runs `batch` from `start` until a batch scans nothing, adding up what the batches did; a stop
    /// takes effect between batches.
    private func walk<Cursor: Sendable>(from start: Cursor,
                                        _ batch: (Cursor) async throws -> GarbageCollectionStore.Batch<Cursor>) async throws -> (count: Int, bytes: Int64) {
        var cursor = start, count = 0, bytes: Int64 = 0
        while true {
            try Task.checkCancellation()
            let done = try await batch(cursor)
            if done.scanned == 0 { return (count, bytes) }
            count += done.count
            bytes += done.bytes
            cursor = done.next
        }
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
