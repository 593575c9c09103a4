import NIOConcurrencyHelpers
import OCI
import RemoteRegistry

/// Copies artifacts from a source to a target: the manifest tree depth first (an index's
/// children, each image's config and layers), then the manifest under its tag, then its
/// referrers (signatures, SBOMs). A blob the target has or can mount is not sent; bytes stream
/// from source to target without being held. Every step that fails says what it was doing.
struct ArtifactReplicator: Sendable {
    let source: any ReplicationSource
    let target: any ReplicationTarget
    let filters: ReplicationFilters
    let override: Bool
    let chunked: Bool
    /// Bytes per second per task; 0 is unlimited.
    let bytesPerSecond: Int64
    let log: @Sendable (String) -> Void
    let counters = Counters()

    final class Counters: Sendable {
        private let values = NIOLockedValueBox((blobsSent: 0, blobsSkipped: 0, bytesSent: Int64(0), manifests: 0))
        func sent(_ bytes: Int64) { values.withLockedValue { $0.blobsSent += 1; $0.bytesSent += bytes } }
        func skipped() { values.withLockedValue { $0.blobsSkipped += 1 } }
        func manifest() { values.withLockedValue { $0.manifests += 1 } }
        var snapshot: (blobsSent: Int, blobsSkipped: Int, bytesSent: Int64, manifests: Int) { values.withLockedValue { $0 } }
    }

    enum Outcome: Equatable { case copied, unchanged, keptExisting, filteredOut }

    /// Replicates `reference` (a tag or digest) of `repository` to `destination`.
    func copy(_ repository: String, reference: String, to destination: String) async throws -> Outcome {
        let manifest = try await step("reading the manifest \(repository):\(reference) from \(source.label)") {
            try await source.manifest(repository, reference: reference)
        }
        guard filters.selects(manifest.manifest) else {
            log("\(repository):\(reference) is not an image (resource filter): skipped")
            return .filteredOut
        }
        let existing = try await step("checking \(destination):\(reference) on \(target.label)") {
            try await target.manifestDigest(destination, reference: reference)
        }
        if existing == manifest.digest {
            log("\(destination):\(reference) is already \(manifest.digest) on \(target.label)")
            try await copyReferrers(of: manifest.digest, from: repository, to: destination, depth: 0)
            return .unchanged
        }
        if existing != nil && !override {
            log("\(destination):\(reference) exists on \(target.label) as \(existing!) and the policy does not override: kept")
            return .keptExisting
        }
        try await step("preparing \(destination) on \(target.label)") { try await target.prepare(destination) }
        try await copyTree(manifest, from: repository, to: destination)
        try await step("writing the manifest \(destination):\(reference) to \(target.label)") {
            try await target.putManifest(manifest, in: destination, reference: reference)
        }
        counters.manifest()
        log("copied \(repository):\(reference) (\(manifest.digest)) to \(destination)")
        try await copyReferrers(of: manifest.digest, from: repository, to: destination, depth: 0)
        return .copied
    }

    /// Deletes `reference` of `destination` on the target (a replicated deletion).
    func delete(_ destination: String, reference: String) async throws -> Bool {
        try await step("deleting \(destination):\(reference) on \(target.label)") {
            try await target.delete(destination, reference: reference)
        }
    }

    /// Everything the manifest needs on the target before it can be written.
    private func copyTree(_ manifest: ReplicatedManifest, from repository: String, to destination: String) async throws {
        switch manifest.manifest.kind {
        case .index:
            for child in manifest.manifest.manifests {
                try Task.checkCancellation()
                let digest = try child.validDigest()
                let present = try await step("checking \(destination)@\(digest) on \(target.label)") {
                    try await target.manifestDigest(destination, reference: digest.description)
                }
                if present != nil { continue }
                let fetched = try await step("reading the manifest \(repository)@\(digest) from \(source.label)") {
                    try await source.manifest(repository, reference: digest.description)
                }
                try await copyTree(fetched, from: repository, to: destination)
                try await step("writing the manifest \(destination)@\(digest) to \(target.label)") {
                    try await target.putManifest(fetched, in: destination, reference: digest.description)
                }
                counters.manifest()
            }
        case .image:
            for descriptor in manifest.manifest.requiredBlobDescriptors {
                try Task.checkCancellation()
                try await copyBlob(try descriptor.validDigest(), size: descriptor.size, from: repository, to: destination)
            }
        }
    }

    private func copyBlob(_ digest: Digest, size: Int64, from repository: String, to destination: String) async throws {
        let hint = MountHints.shared.repository(for: digest, on: target.label)
        let source = self.source
        let present = try await step("checking the blob \(digest) in \(destination) on \(target.label)") {
            try await target.hasOrMounts(digest, size: size, in: destination, mountFrom: hint,
                                         sourceHolds: { try await source.holds(repository, digest: digest) })
        }
        if present {
            counters.skipped()
            MountHints.shared.remember(digest, in: destination, on: target.label)
            return
        }
        let rate = bytesPerSecond
        try await step("copying the blob \(digest) (\(size) bytes) from \(source.label) to \(destination) on \(target.label)") {
            try await target.putBlob(digest, size: size, in: destination, chunked: chunked) { offset in
                let opened = try await source.openBlob(repository, digest: digest, size: size, from: offset)
                return (opened.body.limited(bytesPerSecond: rate), opened.resumed)
            }
        }
        counters.sent(size)
        MountHints.shared.remember(digest, in: destination, on: target.label)
    }

    /// Signatures, SBOMs and attestations of what was copied, and theirs in turn (two levels).
    private func copyReferrers(of digest: Digest, from repository: String, to destination: String, depth: Int) async throws {
        guard depth < 2 else { return }
        let referrers = try await step("listing the referrers of \(repository)@\(digest) on \(source.label)") {
            try await source.referrers(repository, of: digest)
        }
        for referrer in referrers {
            try Task.checkCancellation()
            let present = try await step("checking \(destination)@\(referrer) on \(target.label)") {
                try await target.manifestDigest(destination, reference: referrer.description)
            }
            if present == nil {
                let fetched = try await step("reading the referrer \(repository)@\(referrer) from \(source.label)") {
                    try await source.manifest(repository, reference: referrer.description)
                }
                try await copyTree(fetched, from: repository, to: destination)
                try await step("writing the referrer \(destination)@\(referrer) to \(target.label)") {
                    try await target.putManifest(fetched, in: destination, reference: referrer.description)
                }
                counters.manifest()
                log("copied the referrer \(referrer) of \(digest)")
            }
            try await copyReferrers(of: referrer, from: repository, to: destination, depth: depth + 1)
        }
    }

    /// Runs one step, prefixing a failure with what was being done (the remote's own answer,
    /// status and error body, is in the underlying error's text).
    private func step<T: Sendable>(_ doing: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CancellationError {
            throw error
        } catch let error as ReplicationStepError {
            throw error
        } catch {
            throw ReplicationStepError(doing: doing, cause: "\(error)")
        }
    }
}

/// A failed replication step: what Berth was doing and what the other side answered.
struct ReplicationStepError: Error, CustomStringConvertible {
    let doing: String
    let cause: String
    var description: String { "\(doing): \(cause)" }
}

/// Where this process last put a blob on each target, so the next repository needing it there
/// asks the target for a cross-repository mount instead of sending the bytes again.
final class MountHints: Sendable {
    static let shared = MountHints()
    private let table = NIOLockedValueBox<[String: String]>([:])
    static let capacity = 100_000

    func repository(for digest: Digest, on target: String) -> String? {
        table.withLockedValue { $0[target + " " + digest.description] }
    }

    func remember(_ digest: Digest, in repository: String, on target: String) {
        table.withLockedValue { table in
            if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            table[target + " " + digest.description] = repository
        }
    }
}
