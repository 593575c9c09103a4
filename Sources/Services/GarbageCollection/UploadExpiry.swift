import BlobStore
import Metadata

/// Removes upload sessions that saw no request for `maximumIdle` (their database row and their
/// bytes), so abandoned pushes do not fill the disk. A session being written is skipped. Runs
/// hourly on its own and as the last step of every garbage collection.
public struct UploadExpiry: Sendable {
    public static let defaultMaximumIdleMillis: Int64 = 24 * 3_600_000

    let blobs: BlobStore
    let sessions: UploadSessionStore
    public let maximumIdleMillis: Int64

    public init(blobs: BlobStore, sessions: UploadSessionStore, maximumIdleMillis: Int64 = UploadExpiry.defaultMaximumIdleMillis) {
        self.blobs = blobs
        self.sessions = sessions
        self.maximumIdleMillis = maximumIdleMillis
    }

    /// Returns how many sessions were removed.
    @discardableResult
    public func purge(nowMillis: Int64) async throws -> Int {
        var removed = 0
        for id in try await sessions.stale(before: nowMillis - maximumIdleMillis) {
            guard let upload = UploadID(id) else {
                try await sessions.delete(id: id)
                continue
            }
            do {
                try await blobs.cancelUpload(upload)
            } catch BlobStoreError.uploadBusy {
                continue
            }
            try await sessions.delete(id: id)
            removed += 1
        }
        return removed
    }
}
