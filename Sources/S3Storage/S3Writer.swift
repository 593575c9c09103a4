import BlobStore
import NIOConcurrencyHelpers
import NIOCore

/// Appends to an S3 object through a multipart upload. Bytes are gathered to `chunkSize` and sent
/// as one part while the next part gathers (so at most two parts are in memory). `close` saves the
/// bytes short of a part as a tail object and records the parts, so another node, or this one
/// after a restart, continues from the record. `commit` completes the upload.
///
/// The record is the only commit point: a part sent by a request that then died is not in it, and
/// the next writer sends its number again, which S3 takes as a replacement.
final class S3Writer: StorageWriter {
    private struct State {
        var record: S3Record
        /// Bytes not yet sent as a part: the saved tail, then what was written since.
        var pending = ByteBuffer()
        var sending: Task<S3Record.Part, any Error>?
        var sendingSize: Int64 = 0
        var changed = false
        var done = false
        /// A part could not be sent: its bytes are gone from `pending`, so `close` must not
        /// record the rest as if they followed the earlier parts.
        var failed = false
        /// Opened on a committed object (its upload was completed but not yet published): a
        /// repeated commit is allowed and does nothing; writing is not.
        var committedAtOpen = false
    }

    private let driver: S3Driver
    private let path: StoragePath
    private let key: String
    private let state: NIOLockedValueBox<State>

    private init(driver: S3Driver, path: StoragePath, key: String, record: S3Record, pending: ByteBuffer) {
        self.driver = driver
        self.path = path
        self.key = key
        self.state = NIOLockedValueBox(State(record: record, pending: pending))
    }

    /// S3 refuses part numbers above this.
    static let maximumParts = 10_000

    static func resume(driver: S3Driver, path: StoragePath, key: String, record: S3Record) async throws -> S3Writer {
        if record.finished {
            let writer = S3Writer(driver: driver, path: path, key: key, record: record, pending: ByteBuffer())
            writer.state.withLockedValue { $0.committedAtOpen = true }
            return writer
        }
        var pending = ByteBuffer()
        if let tail = record.tail {
            try await driver.call(tail) {
                try await driver.client.get(tail) { chunk in
                    var chunk = chunk
                    pending.writeBuffer(&chunk)
                }
            }
        }
        return S3Writer(driver: driver, path: path, key: key, record: record, pending: pending)
    }

    var size: Int64 {
        state.withLockedValue { state in
            state.committedAtOpen ? state.record.size : state.record.partsSize + state.sendingSize + Int64(state.pending.readableBytes)
        }
    }

    var revision: String? { state.withLockedValue { $0.record.revision } }

    func write(_ buffers: [ByteBuffer]) async throws {
        for buffer in buffers {
            var buffer = buffer
            let full = try state.withLockedValue { state -> Bool in
                guard !state.done, !state.committedAtOpen else {
                    throw StorageDriverError.io(operation: "write after commit", path: path.description, errno: 0)
                }
                guard !state.failed else { throw StorageDriverError.unfinished(path.description) }
                state.pending.writeBuffer(&buffer)
                state.changed = true
                return state.pending.readableBytes >= driver.options.chunkSize
            }
            if full { try await sendPart() }
        }
    }

    /// Waits for the part being sent, then starts sending `chunkSize` pending bytes as the next.
    private func sendPart() async throws {
        try await finishSending()
        let (number, body, upload) = try await nextPart()
        let driver = self.driver, object = upload.object
        let task = Task { () throws -> S3Record.Part in
            let etag = try await driver.call(object) {
                try await driver.client.uploadPart(object, uploadID: upload.id, number: number, body: body)
            }
            return S3Record.Part(number: number, etag: etag, size: Int64(body.readableBytes))
        }
        state.withLockedValue {
            $0.sending = task
            $0.sendingSize = Int64(body.readableBytes)
        }
    }

    /// The number and bytes of the next part, starting the multipart upload if this is the first.
    private func nextPart() async throws -> (Int, ByteBuffer, (object: String, id: String)) {
        let (record, chunkSize) = state.withLockedValue { ($0.record, driver.options.chunkSize) }
        guard let object = record.object else { throw StorageDriverError.unfinished(path.description) }
        guard (record.parts?.count ?? 0) < Self.maximumParts else {
            throw StorageDriverError.io(operation: "upload: S3 takes at most 10,000 parts; raise storage.s3.chunksize", path: path.description, errno: 0)
        }
        var uploadID = record.upload
        if uploadID == nil {
            let created = try await driver.call(object) { try await driver.client.createMultipartUpload(object) }
            uploadID = created
            let recorded = state.withLockedValue { state -> S3Record in
                state.record.upload = created
                state.record.parts = []
                return state.record
            }
            // Recorded at once (the stored bytes are unchanged), so that a node dying before
            // `close` leaves an upload that deleting the path aborts, not one nobody knows of.
            try await driver.write(recorded, at: key)
        }
        let (number, body) = state.withLockedValue { state -> (Int, ByteBuffer) in
            let count = min(chunkSize, state.pending.readableBytes)
            let body = state.pending.readSlice(length: count)!
            // Keep the rest in a buffer of its own, so the part's memory goes when it is sent.
            var rest = ByteBuffer()
            rest.writeBuffer(&state.pending)
            state.pending = rest
            return ((state.record.parts?.count ?? 0) + 1, body)
        }
        return (number, body, (object, uploadID!))
    }

    private func finishSending() async throws {
        guard let task = state.withLockedValue({ $0.sending }) else { return }
        let part: S3Record.Part
        do {
            part = try await task.value
        } catch {
            state.withLockedValue { $0.sending = nil; $0.sendingSize = 0; $0.failed = true }
            throw error
        }
        state.withLockedValue { state in
            state.sending = nil
            state.sendingSize = 0
            state.record.parts = (state.record.parts ?? []) + [part]
        }
    }

    /// Saves what was written: the parts in the record, the rest as the tail object.
    func close() async throws {
        let changed = state.withLockedValue { state -> Bool in
            defer { state.done = true }
            return !state.done && state.changed && !state.committedAtOpen
        }
        guard changed else { return }
        try? await finishSending()
        // After a failed part the record stays as it was: the request's bytes are not stored.
        guard !state.withLockedValue({ $0.failed }) else { return }
        var (record, pending) = state.withLockedValue { ($0.record, $0.pending) }
        let oldTail = record.tail
        record.tail = nil
        if pending.readableBytes > 0, let object = record.object {
            let tail = driver.tailKey(for: object)
            try await driver.call(tail) { try await driver.client.put(tail, body: pending) }
            record.tail = tail
        }
        record.size = record.partsSize + Int64(pending.readableBytes)
        record.revision = S3Record.newRevision()
        try await driver.write(record, at: key)
        state.withLockedValue { $0.record = record }
        if let oldTail { try? await driver.client.delete(oldTail) }
        pending.clear()
    }

    /// Completes the object: one PUT when it never reached a part, otherwise the last part and
    /// CompleteMultipartUpload. The record then says finished.
    func commit() async throws {
        let (alreadyDone, committedAtOpen) = state.withLockedValue { state -> (Bool, Bool) in
            defer { state.done = true }
            return (state.done, state.committedAtOpen)
        }
        if committedAtOpen { return }
        guard !alreadyDone else { throw StorageDriverError.io(operation: "commit after close", path: path.description, errno: 0) }
        try await finishSending()
        var record = state.withLockedValue { $0.record }
        guard let object = record.object else { throw StorageDriverError.unfinished(path.description) }
        let pending = state.withLockedValue { $0.pending }
        if let upload = record.upload {
            var parts = record.parts ?? []
            let total = record.partsSize + Int64(pending.readableBytes)
            do {
                if pending.readableBytes > 0 {
                    let etag = try await driver.client.uploadPart(object, uploadID: upload, number: parts.count + 1, body: pending)
                    parts.append(.init(number: parts.count + 1, etag: etag, size: Int64(pending.readableBytes)))
                }
                try await driver.client.completeMultipartUpload(object, uploadID: upload, parts: parts.map { ($0.number, $0.etag) })
            } catch let error as S3Error {
                // An earlier commit completed the upload and died before saving the record: S3
                // answers NoSuchUpload (some compatible servers a 500), and the object is whole.
                guard try await driver.call(object, { try await driver.client.head(object) }) == total else {
                    throw S3Driver.storageError(error, path: path.description)
                }
            }
            record.size = total
        } else {
            try await driver.call(object) { try await driver.client.put(object, body: pending) }
            record.size = Int64(pending.readableBytes)
        }
        let oldTail = record.tail
        record.finished = true
        record.upload = nil
        record.parts = nil
        record.tail = nil
        record.revision = S3Record.newRevision()
        try await driver.write(record, at: key)
        if let oldTail { try? await driver.client.delete(oldTail) }
        state.withLockedValue { $0.pending = ByteBuffer(); $0.record = record }
    }
}
