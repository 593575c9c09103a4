import Foundation
import NIOConcurrencyHelpers
import NIOCore
import OCI

/// Content-addressed blobs and resumable uploads on top of any `StorageDriver`.
///
/// Bytes are hashed while they are written, so completing an upload costs one fsync and one rename.
/// The running hash of each open session is kept in memory. After a restart, or on another node,
/// it is rebuilt by re-reading the bytes already received where the driver can read an unfinished
/// upload (a filesystem); otherwise (S3) from the hash state saved beside the upload after each
/// request. When neither is possible, the bytes are hashed by reading them back once committed.
public final class BlobStore: Sendable {
    public let driver: any StorageDriver
    /// Request bodies arrive in small buffers; writing them in batches of this size saves system calls.
    let writeSliceSize = 1 << 20
    let readChunkSize = 1 << 20
    private let sessions = NIOLockedValueBox<[String: SessionState]>([:])

    struct SessionState {
        /// nil: the hash of the first `offset` bytes is not known (checked after commit instead).
        var hasher: DigestHasher?
        var offset: Int64
        /// The driver's revision of the bytes the hash covers (S3: changes with every request that
        /// stored bytes), so a hash from one node is not taken for bytes another node wrote.
        var revision: String? = nil
        var busy: Bool
        /// When a request last let go of the session: sessions other nodes finished are forgotten
        /// here after a day (see `releaseHasher`).
        var released = Date()
    }

    /// A session no request touched for this long is dropped from memory (upload sessions
    /// expire after a day anyway; a node that did not finish a session never hears it ended).
    static let idleSessionLifetime: TimeInterval = 24 * 3600

    public init(driver: any StorageDriver) {
        self.driver = driver
    }

    // MARK: blobs

    public func size(of digest: Digest) async throws -> Int64? {
        try await driver.size(of: BlobLayout.blob(digest))
    }

    public func read(_ digest: Digest, range: Range<Int64>, consume: (ByteBuffer) async throws -> Void) async throws {
        do {
            try await driver.read(BlobLayout.blob(digest), range: range, chunkSize: readChunkSize, consume: consume)
        } catch StorageDriverError.pathNotFound {
            throw BlobStoreError.blobUnknown(digest)
        }
    }

    /// The blob's file opened for `sendfile`, on a filesystem; nil on other storage.
    public func openForSending(_ digest: Digest) async throws -> NIOFileHandle? {
        do {
            return try await driver.openForSending(BlobLayout.blob(digest))
        } catch StorageDriverError.pathNotFound {
            throw BlobStoreError.blobUnknown(digest)
        }
    }

    /// The local disk's size and free bytes; nil for storage that is not a local disk.
    public func capacity() async throws -> (total: Int64, free: Int64)? {
        try await driver.capacity()
    }

    /// Where a client may fetch the blob directly, when the driver offers it (S3 with `redirect`).
    public func redirectURL(for digest: Digest) async throws -> String? {
        try await driver.redirectURL(for: BlobLayout.blob(digest))
    }

    /// Removes a blob's bytes. Only the garbage collector calls this, inside the transaction that
    /// deletes the blob's row (see `GarbageCollectionStore`).
    public func delete(_ digest: Digest) async throws {
        try await driver.delete(BlobLayout.blobDirectory(digest))
    }

    /// Removes many blobs' bytes in one driver call (the garbage collector's sweep).
    public func delete(_ digests: [Digest]) async throws {
        try await driver.delete(digests.map(BlobLayout.blobDirectory))
    }

    /// Writes a small object, reads it back and removes it: the storage answers and takes writes.
    public func probe() async throws {
        let path = BlobLayout.healthProbe(UUID().uuidString)
        defer { Task { [driver] in try? await driver.delete(path) } }
        let writer = try await driver.appender(path)
        do {
            try await writer.write(ByteBuffer(string: "ok"))
            try await writer.close()
        } catch {
            try? await writer.close()
            throw error
        }
        guard try await driver.size(of: path) == 2 else { throw StorageDriverError.io(operation: "probe", path: path.description, errno: 0) }
        try await driver.delete(path)
    }

    // MARK: uploads

    /// Creates the session's (empty) data file.
    public func startUpload(_ id: UploadID) async throws {
        let writer = try await driver.appender(BlobLayout.uploadData(id))
        try await writer.close()
        sessions.withLockedValue { $0[id.value] = SessionState(hasher: DigestHasher(algorithm: .sha256), offset: 0, busy: false) }
    }

    /// Bytes received so far, or nil when the session's data is gone.
    public func uploadedSize(_ id: UploadID) async throws -> Int64? {
        try await driver.size(of: BlobLayout.uploadData(id))
    }

    /// Appends `body` to the session. When `expectedOffset` is given (a `Content-Range` chunk) it must
    /// equal the bytes received so far. Returns the new size.
    @discardableResult
    public func append(_ id: UploadID, body: some AsyncSequence<ByteBuffer, any Error>, expectedOffset: Int64? = nil) async throws -> Int64 {
        guard let (current, revision) = try await driver.revision(of: BlobLayout.uploadData(id)) else {
            throw BlobStoreError.uploadUnknown(id.value)
        }
        if let expectedOffset, expectedOffset != current { throw BlobStoreError.rangeInvalid(currentSize: current) }
        var hasher = try await claimHasher(id, size: current, revision: revision)
        let hasherBefore = hasher
        var hashed = current
        var written: String?
        do {
            let writer = try await driver.appender(BlobLayout.uploadData(id))
            do {
                guard writer.size == current else { throw BlobStoreError.rangeInvalid(currentSize: writer.size) }
                guard writer.revision == revision else { throw BlobStoreError.uploadBusy(id.value) }
                // Double buffering: the previous batch of request buffers is written (one pwritev,
                // no copying) while the next one is received and hashed, so disk and hash work
                // overlap instead of adding up.
                var pendingWrite: Task<Void, any Error>?
                var gathered: [ByteBuffer] = []
                var gatheredBytes = 0
                func flush() async throws {
                    let batch = gathered
                    gathered = []
                    gatheredBytes = 0
                    try await pendingWrite?.value
                    pendingWrite = Task { try await writer.write(batch) }
                }
                do {
                    for try await buffer in body {
                        if var running = hasher {
                            buffer.withUnsafeReadableBytes { running.update($0) }
                            hasher = running
                        }
                        hashed += Int64(buffer.readableBytes)
                        gathered.append(buffer)
                        gatheredBytes += buffer.readableBytes
                        if gatheredBytes >= writeSliceSize { try await flush() }
                    }
                    if gatheredBytes > 0 { try await flush() }
                    try await pendingWrite?.value
                } catch {
                    _ = try? await pendingWrite?.value
                    throw error
                }
                try await writer.close()
                written = writer.revision
            } catch {
                try? await writer.close()
                written = writer.revision
                throw error
            }
        } catch {
            // What reached storage stays (the client may resume); a hash is kept only if it
            // covers exactly those bytes, otherwise it is rebuilt on the next request.
            let onDisk = try? await driver.revision(of: BlobLayout.uploadData(id))
            if let onDisk, onDisk.size == hashed, onDisk.revision == written {
                await keepHasher(id, hasher: hasher, offset: hashed, revision: written)
            } else if let onDisk, onDisk.size == current, onDisk.revision == revision {
                releaseHasher(id, hasher: hasherBefore, offset: current, revision: revision)
            } else {
                releaseHasher(id, hasher: nil, offset: -1, revision: nil)
            }
            throw error
        }
        await keepHasher(id, hasher: hasher, offset: hashed, revision: written)
        return hashed
    }

    /// Releases the session with the hash of its first `offset` bytes, saved beside the upload
    /// where the driver cannot read them back.
    private func keepHasher(_ id: UploadID, hasher: DigestHasher?, offset: Int64, revision: String?) async {
        if !driver.readsUnfinishedWrites { await saveHashState(id, hasher: hasher, offset: offset, revision: revision) }
        releaseHasher(id, hasher: hasher, offset: offset, revision: revision)
    }

    /// Verifies the received bytes against `digest` and publishes them as the blob. Returns its size.
    public func completeUpload(_ id: UploadID, digest: Digest) async throws -> Int64 {
        try await completeUpload(id, digest: digest) { _, publish in try await publish() }
    }

    /// Verifies the received bytes against `digest`, makes them durable, then calls `commit` with
    /// the size and the step that publishes the file under its blob path. The caller runs that
    /// step inside its database transaction, so that the garbage collector, which deletes blob files
    /// inside its own, can never remove a file a new reference was just made for. When `commit`
    /// throws, the session stays as it was and can be completed again.
    @discardableResult
    public func completeUpload(_ id: UploadID, digest: Digest,
                               commit: (_ size: Int64, _ publish: @escaping @Sendable () async throws -> Void) async throws -> Void) async throws -> Int64 {
        guard let (size, revision) = try await driver.revision(of: BlobLayout.uploadData(id)) else {
            throw BlobStoreError.uploadUnknown(id.value)
        }
        let hasher = try await claimHasher(id, size: size, revision: revision)
        // Checked now when the running hash is known, otherwise by reading the committed bytes.
        let checkedBeforeCommit = hasher?.algorithm == digest.algorithm
        if let hasher, checkedBeforeCommit {
            let actual = hasher.finalize()
            guard actual == digest else {
                releaseHasher(id, hasher: hasher, offset: size, revision: revision)
                throw BlobStoreError.digestMismatch(expected: digest, actual: actual)
            }
        }
        do {
            let writer = try await driver.appender(BlobLayout.uploadData(id))
            // The file must still be the one that was hashed: a concurrent cancel could have removed
            // it, and opening re-creates an empty one that must never replace a blob.
            guard writer.size == size else {
                try? await writer.close()
                throw BlobStoreError.uploadUnknown(id.value)
            }
            // Another node stored bytes since the hash was checked: not these.
            guard writer.revision == revision else {
                try? await writer.close()
                throw BlobStoreError.uploadBusy(id.value)
            }
            try await writer.commit()
            try await writer.close()
            if !checkedBeforeCommit {
                let actual = try await rehash(id, size: size, algorithm: digest.algorithm).finalize()
                guard actual == digest else { throw BlobStoreError.digestMismatch(expected: digest, actual: actual) }
            }
            let driver = self.driver
            try await commit(size) {
                if try await driver.size(of: BlobLayout.blob(digest)) == nil {
                    try await driver.move(BlobLayout.uploadData(id), to: BlobLayout.blob(digest))
                }
            }
            try? await driver.delete(BlobLayout.uploadDirectory(id))
        } catch {
            releaseHasher(id, hasher: hasher, offset: -1, revision: nil)
            throw error
        }
        sessions.withLockedValue { _ = $0.removeValue(forKey: id.value) }
        return size
    }

    /// Removes the session's bytes; refused while a request is writing or completing it.
    public func cancelUpload(_ id: UploadID) async throws {
        let busy = sessions.withLockedValue { table -> Bool in
            if table[id.value]?.busy == true { return true }
            table.removeValue(forKey: id.value)
            return false
        }
        if busy { throw BlobStoreError.uploadBusy(id.value) }
        try await driver.delete(BlobLayout.uploadDirectory(id))
    }

    /// Session ids that have data on disk (used to expire abandoned sessions).
    public func uploadIDsOnDisk() async throws -> [UploadID] {
        try await driver.list(BlobLayout.uploadsRoot).compactMap(UploadID.init)
    }

    // MARK: running hashes

    /// The session's running hash at `size` bytes, marking the session busy; nil when it cannot
    /// be known before the bytes are committed.
    private func claimHasher(_ id: UploadID, size: Int64, revision: String?) async throws -> DigestHasher? {
        enum Claim { case cached(DigestHasher?), rebuild, busy }
        let claim = sessions.withLockedValue { table -> Claim in
            if let state = table[id.value] {
                if state.busy { return .busy }
                table[id.value]!.busy = true
                return state.offset == size && state.revision == revision ? .cached(state.hasher) : .rebuild
            }
            table[id.value] = SessionState(hasher: DigestHasher(algorithm: .sha256), offset: -1, busy: true)
            return .rebuild
        }
        switch claim {
        case .busy:
            throw BlobStoreError.uploadBusy(id.value)
        case .cached(let hasher):
            return hasher
        case .rebuild:
            if size == 0 { return DigestHasher(algorithm: .sha256) }
            do {
                if driver.readsUnfinishedWrites { return try await rehash(id, size: size, algorithm: .sha256) }
                return try await savedHashState(id, offset: size, revision: revision)
            } catch {
                releaseHasher(id, hasher: nil, offset: -1, revision: nil)
                throw error
            }
        }
    }

    private func releaseHasher(_ id: UploadID, hasher: DigestHasher?, offset: Int64, revision: String?) {
        let now = Date()
        sessions.withLockedValue { table in
            table[id.value] = SessionState(hasher: hasher, offset: offset, revision: revision, busy: false, released: now)
            // Now and then (the table grows by one session at a time), drop the long idle ones.
            if table.count % 64 == 0 {
                table = table.filter { $0.value.busy || now.timeIntervalSince($0.value.released) < Self.idleSessionLifetime }
            }
        }
    }

    /// Saved as the offset (8 bytes, little-endian), the revision (a length byte and UTF-8) and the
    /// hash state. A failed save only costs a read-back at completion: a state is used only when
    /// its offset and revision are those of the bytes stored.
    private func saveHashState(_ id: UploadID, hasher: DigestHasher?, offset: Int64, revision: String?) async {
        guard let state = hasher?.savedState else { return }
        let revisionBytes = Array((revision ?? "").utf8.prefix(255))
        var buffer = ByteBuffer()
        buffer.writeInteger(offset, endianness: .little)
        buffer.writeInteger(UInt8(revisionBytes.count))
        buffer.writeBytes(revisionBytes)
        buffer.writeBytes(state)
        try? await driver.put(BlobLayout.uploadHashState(id), contents: buffer)
    }

    private func savedHashState(_ id: UploadID, offset: Int64, revision: String?) async throws -> DigestHasher? {
        let path = BlobLayout.uploadHashState(id)
        guard let size = try await driver.size(of: path), size > 8, size < 1024 else { return nil }
        var buffer = ByteBuffer()
        try await driver.read(path, range: 0..<size, chunkSize: 1024) { chunk in
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        guard buffer.readInteger(endianness: .little, as: Int64.self) == offset,
              let length = buffer.readInteger(as: UInt8.self),
              let saved = buffer.readBytes(length: Int(length)), saved == Array((revision ?? "").utf8.prefix(255)),
              let state = buffer.readBytes(length: buffer.readableBytes) else { return nil }
        return DigestHasher(savedState: state)
    }

    private func rehash(_ id: UploadID, size: Int64, algorithm: DigestAlgorithm) async throws -> DigestHasher {
        var hasher = DigestHasher(algorithm: algorithm)
        guard size > 0 else { return hasher }
        try await driver.read(BlobLayout.uploadData(id), range: 0..<size, chunkSize: readChunkSize) { buffer in
            buffer.withUnsafeReadableBytes { hasher.update($0) }
        }
        return hasher
    }
}
