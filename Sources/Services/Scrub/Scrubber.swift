import BlobStore
import Foundation
import Metadata
import NIOConcurrencyHelpers
import OCI

/// Checks that storage and database agree and that every stored byte is what its digest says
/// (zot's scrub; Harbor and distribution have none). Pushes, pulls and garbage collection go on
/// while it runs: everything it finds wrong is looked at again with the blob's row claimed
/// before it is reported or repaired (see `ScrubStore.examine`).
///
/// 1. Blobs, one storage prefix (`blobs/sha256/00` ... `ff`) at a time, compared with the rows of
///    that prefix, every file hashed again by `workers` readers under one byte rate:
///    - corrupt: the bytes do not hash to the digest;
///    - a wrong size: the bytes are right, the recorded size (quotas count it) is not;
///    - missing: a row whose file is gone;
///    - stray: a file no row knows. A push killed between storing a blob and committing its row
///      leaves one; it wastes space and breaks nothing, so it is counted but is not a problem
///      (unless its bytes are not its digest: a push never replaces a file that exists, so such a
///      file would be served to the next push of that digest; repairing moves it aside).
/// 2. Manifests in batches: the payload hashes to its digest, it parses, and the blobs and child
///    manifests it names are recorded and sound.
/// 3. Tags that point at no manifest.
///
/// `repair` hands stray files to garbage collection, takes corrupt and missing blobs out of
/// service (clients then push them again; corrupt bytes go to `quarantine/`), corrects wrong
/// sizes, and removes dangling tags. A manifest whose content is damaged is reported, never changed.
public struct Scrubber: Sendable {
    /// What a run found, kept with its task as its report.
    public struct Report: Codable, Sendable, Equatable {
        public var blobs_checked = 0
        public var bytes_checked: Int64 = 0
        public var manifests_checked = 0
        public var corrupt_blobs = 0
        public var missing_blobs = 0
        public var size_mismatches = 0
        public var broken_manifests = 0
        public var dangling_tags = 0
        /// Files no row knows (not problems: see the type's comment).
        public var stray_files = 0
        public var stray_bytes: Int64 = 0
        /// Rows of blobs nothing references whose file an interrupted garbage collection removed.
        public var unreferenced_rows = 0
        public var repaired = 0
        public var seconds = 0.0

        /// Damage: what makes a pull fail or a client receive wrong bytes.
        public var problems: Int { corrupt_blobs + missing_blobs + size_mismatches + broken_manifests + dangling_tags }

        public init() {}
    }

    let store: ScrubStore
    let blobs: BlobStore
    let manifestBatch: Int
    /// How long a file must have gone without a row before it counts as stray: a push publishes a
    /// blob's file a moment before its row commits.
    let strayAge: Duration

    public init(database: MetadataDatabase, blobs: BlobStore, manifestBatch: Int = 500, strayAge: Duration = .seconds(1)) {
        self.store = ScrubStore(database: database)
        self.blobs = blobs
        self.manifestBatch = manifestBatch
        self.strayAge = strayAge
    }

    /// The report so far, and the digests found broken (the manifest pass names their users).
    private final class Tally: Sendable {
        private struct State {
            var report = Report()
            var broken: Set<String> = []
        }
        private let state = NIOLockedValueBox(State())

        func update(_ change: (inout Report) -> Void) {
            state.withLockedValue { change(&$0.report) }
        }

        func markBroken(_ digest: Digest) {
            state.withLockedValue { _ = $0.broken.insert(digest.description) }
        }

        var report: Report { state.withLockedValue { $0.report } }
        var broken: Set<String> { state.withLockedValue { $0.broken } }
    }

    public func run(_ parameters: ScrubParameters, log write: @escaping @Sendable (String) -> Void) async throws -> Report {
        let started = ContinuousClock.now
        let log: @Sendable (String) -> Void = { write("[\(Self.format(ContinuousClock.now - started)) s] \($0)") }
        let tally = Tally()
        let rate = ByteRate(bytesPerSecond: Int64(parameters.rateMiB) << 20)
        let totals = try await store.totals()
        log("scrub started: repair=\(parameters.repair) workers=\(parameters.workers) rate_mib=\(parameters.rateMiB); "
            + "\(totals.blobs) blobs recorded, \(ByteCount.human(totals.bytes))")

        var lastProgress = ContinuousClock.now
        for algorithm in DigestAlgorithm.allCases {
            for prefix in BlobStore.blobPrefixes {
                try Task.checkCancellation()
                try await scrubPrefix(algorithm, prefix, parameters: parameters, rate: rate, tally: tally, log: log)
                if ContinuousClock.now - lastProgress >= .seconds(2) {
                    lastProgress = ContinuousClock.now
                    let report = tally.report
                    let seconds = Self.seconds(ContinuousClock.now - started)
                    log("hashed \(report.blobs_checked) of \(totals.blobs) blobs, \(ByteCount.human(report.bytes_checked)) of "
                        + "\(ByteCount.human(totals.bytes)) (\(ByteCount.human(Int64(Double(report.bytes_checked) / max(seconds, 0.001))))/s)")
                }
            }
        }
        try await scrubManifests(broken: tally.broken, tally: tally, log: log)
        try await scrubTags(repair: parameters.repair, tally: tally, log: log)

        tally.update { $0.seconds = (Self.seconds(ContinuousClock.now - started) * 100).rounded() / 100 }
        let report = tally.report
        log("scrub finished in \(Self.format(ContinuousClock.now - started)) s: \(report.problems) problems "
            + "(\(report.corrupt_blobs) corrupt blobs, \(report.missing_blobs) missing blobs, \(report.size_mismatches) wrong sizes, "
            + "\(report.broken_manifests) broken manifests, "
            + "\(report.dangling_tags) dangling tags); \(report.stray_files) stray files (\(ByteCount.human(report.stray_bytes))), "
            + "\(report.unreferenced_rows) unreferenced rows without a file; \(report.blobs_checked) blobs "
            + "(\(ByteCount.human(report.bytes_checked))) and \(report.manifests_checked) manifests checked; \(report.repaired) repaired")
        return report
    }

    // MARK: 1. blobs

    private func scrubPrefix(_ algorithm: DigestAlgorithm, _ prefix: String, parameters: ScrubParameters, rate: ByteRate,
                             tally: Tally, log: @escaping @Sendable (String) -> Void) async throws {
        let recorded = try await store.blobSizes(algorithm, prefix: prefix)
        let (stored, odd) = try await blobs.storedDigests(algorithm, prefix: prefix)
        for path in odd {
            log("STRAY \(path): not a blob of this layout (left alone)")
            tally.update { $0.stray_files += 1 }
        }
        let digests = Set(stored).union(recorded.keys).sorted()
        guard !digests.isEmpty else { return }
        let strays = NIOLockedValueBox<[Stray]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = digests.makeIterator()
            func addNext() -> Bool {
                guard let digest = next.next() else { return false }
                group.addTask {
                    if let stray = try await self.check(digest, recordedSize: recorded[digest], repair: parameters.repair,
                                                        rate: rate, tally: tally, log: log) {
                        strays.withLockedValue { $0.append(stray) }
                    }
                }
                return true
            }
            for _ in 0..<parameters.workers where addNext() {}
            while try await group.next() != nil { _ = addNext() }
        }
        for stray in strays.withLockedValue({ $0 }) {
            try await settleStray(stray, repair: parameters.repair, tally: tally, log: log)
        }
    }

    /// A file that no row knew when it was hashed.
    struct Stray: Sendable {
        let digest: Digest
        let size: Int64
        /// What its bytes hash to.
        let actual: Digest
        let found: ContinuousClock.Instant
    }

    /// Hashes one blob and deals with what is wrong with it; returns a file no row knows (looked
    /// at again once the prefix is done).
    private func check(_ digest: Digest, recordedSize: Int64?, repair: Bool, rate: ByteRate,
                       tally: Tally, log: @escaping @Sendable (String) -> Void) async throws -> Stray? {
        let found = try await blobs.rehash(digest) { try await rate.take($0) }
        if let found {
            tally.update { $0.blobs_checked += 1; $0.bytes_checked += found.size }
        }
        switch (found, recordedSize) {
        case (nil, nil):
            return nil   // collected between the listing and the read
        case (let found?, nil):
            return Stray(digest: digest, size: found.size, actual: found.digest, found: ContinuousClock.now)
        case (nil, _?):
            try await settleBroken(digest, missing: true, why: "its file is missing", repair: repair, tally: tally, log: log) {
                try await blobs.size(of: digest) == nil
            }
        case (let found?, _?) where found.digest != digest:
            let blobs = self.blobs
            try await settleBroken(digest, missing: false, why: "its bytes hash to \(found.digest)", repair: repair, tally: tally, log: log,
                                   stillBroken: { try await blobs.size(of: digest) == found.size },
                                   quarantine: { log("moved the corrupt bytes of \(digest) to \(try await blobs.quarantine(digest))") })
        case (let found?, let size?) where found.size != size:
            // The bytes are the digest's: the row is what is wrong.
            let corrected = repair ? try await store.correctSize(digest, to: found.size) : false
            log("WRONG SIZE \(digest): \(found.size) bytes stored, \(size) recorded\(corrected ? "; the record was corrected" : "")")
            tally.update { $0.size_mismatches += 1; if corrected { $0.repaired += 1 } }
        case (_?, _?):
            break
        }
        return nil
    }

    private func settleBroken(_ digest: Digest, missing: Bool, why: String, repair: Bool, tally: Tally, log: @Sendable (String) -> Void,
                              stillBroken: @escaping @Sendable () async throws -> Bool,
                              quarantine: (@Sendable () async throws -> Void)? = nil) async throws {
        switch try await store.examine(digest, repair: repair, stillBroken: stillBroken, quarantine: quarantine) {
        case .sound, .gone:
            return
        case .broken(let blob) where blob.isUnreferenced:
            log("UNREFERENCED \(digest): \(why), and nothing references it\(repair ? "; its row was removed" : " (garbage collection removes its row)")")
            tally.update { $0.unreferenced_rows += 1; if repair { $0.repaired += 1 } }
        case .broken(let blob):
            tally.markBroken(digest)
            let users = blob.usedByManifests ? try await store.manifestsUsing(digest) : []
            log("\(missing ? "MISSING" : "CORRUPT") \(digest): \(why); linked by \(blob.links) repositories"
                + (users.isEmpty ? "" : "; used by \(users.joined(separator: ", "))")
                + (repair ? "; taken out of service, push it again to restore it" : ""))
            tally.update {
                if missing { $0.missing_blobs += 1 } else { $0.corrupt_blobs += 1 }
                if repair { $0.repaired += 1 }
            }
        }
    }

    /// A file that had no row when it was hashed: still none a moment later means a push that
    /// never committed left it. Its bytes decide what repairing does with it: the digest's go to
    /// garbage collection (or to a push that claims the row first), others to `quarantine/`.
    private func settleStray(_ stray: Stray, repair: Bool, tally: Tally, log: @Sendable (String) -> Void) async throws {
        let age = ContinuousClock.now - stray.found
        if age < strayAge { try await Task.sleep(for: strayAge - age) }
        guard try await blobs.size(of: stray.digest) != nil, try await !store.isRecorded(stray.digest) else { return }
        let sound = stray.actual == stray.digest
        var action = ""
        if repair && sound {
            guard try await store.adoptStray(stray.digest, size: stray.size) else { return }   // a push recorded it meanwhile
            action = "; handed to garbage collection"
        } else if repair {
            action = "; moved to \(try await blobs.quarantine(stray.digest))"
        }
        log("STRAY \(stray.digest): \(stray.size) bytes no row knows\(sound ? "" : ", hashing to \(stray.actual)")\(action)")
        tally.update {
            $0.stray_files += 1
            $0.stray_bytes += stray.size
            if repair { $0.repaired += 1 }
        }
    }

    // MARK: 2. manifests

    private func scrubManifests(broken: Set<String>, tally: Tally, log: @Sendable (String) -> Void) async throws {
        var after: Int64 = 0
        while true {
            try Task.checkCancellation()
            let batch = try await store.manifests(afterID: after, limit: manifestBatch)
            guard let last = batch.last else { return }
            after = last.id
            for manifest in batch where Self.problem(of: manifest, broken: broken) != nil {
                // Read again on its own: one deleted while the batch was read looks broken.
                guard let now = try await store.manifest(id: manifest.id), let problem = Self.problem(of: now, broken: broken) else { continue }
                log("BROKEN \(now.repository)@\(now.digest): \(problem)")
                tally.update { $0.broken_manifests += 1 }
            }
            tally.update { $0.manifests_checked += batch.count }
        }
    }

    /// What is wrong with a stored manifest, if anything.
    static func problem(of manifest: ScrubStore.StoredManifest, broken: Set<String>) -> String? {
        guard let digest = try? Digest(parsing: manifest.digest) else { return "its digest \(manifest.digest) is not a digest" }
        let actual = Digest.of(manifest.payload, algorithm: digest.algorithm)
        guard actual == digest else { return "its stored content hashes to \(actual)" }
        let parsed: Manifest
        do {
            parsed = try Manifest(bytes: manifest.payload, contentType: manifest.mediaType)
        } catch {
            return "its stored content does not parse: \(error)"
        }
        if let blob = parsed.requiredBlobs.first(where: { !manifest.blobs.contains($0.description) }) {
            return "blob \(blob) is not recorded"
        }
        if let blob = parsed.requiredBlobs.first(where: { broken.contains($0.description) }) {
            return "blob \(blob) is missing or corrupt"
        }
        if let child = parsed.requiredManifests.first(where: { !manifest.children.contains($0.description) }) {
            return "child manifest \(child) is not in the repository"
        }
        return nil
    }

    // MARK: 3. tags

    private func scrubTags(repair: Bool, tally: Tally, log: @Sendable (String) -> Void) async throws {
        let dangling = try await store.danglingTags()
        guard !dangling.isEmpty else { return }
        for tag in dangling { log("DANGLING tag \(tag) points at no manifest\(repair ? "; removed" : "")") }
        let removed = repair ? try await store.deleteDanglingTags() : 0
        tally.update {
            $0.dangling_tags += max(dangling.count, removed)
            $0.repaired += removed
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    static func format(_ duration: Duration) -> String { String(format: "%7.2f", seconds(duration)) }
}
