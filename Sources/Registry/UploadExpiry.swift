import BlobStore
import Metadata

/// Removes upload sessions that saw no request for `maximumIdle` (their database row and their
/// bytes), so abandoned pushes do not fill the disk. A session being written is skipped.
public struct UploadExpiry: Sendable {
    let backend: RegistryBackend
    public let maximumIdleMillis: Int64

    public init(backend: RegistryBackend, maximumIdleMillis: Int64 = 24 * 3_600_000) {
        self.backend = backend
        self.maximumIdleMillis = maximumIdleMillis
    }

    /// Returns how many sessions were removed.
    @discardableResult
    public func purge(nowMillis: Int64) async throws -> Int {
        var removed = 0
        for id in try await backend.uploadSessions.stale(before: nowMillis - maximumIdleMillis) {
            guard let upload = UploadID(id) else {
                try await backend.uploadSessions.delete(id: id)
                continue
            }
            do {
                try await backend.blobs.cancelUpload(upload)
            } catch BlobStoreError.uploadBusy {
                continue
            }
            try await backend.uploadSessions.delete(id: id)
            removed += 1
        }
        return removed
    }
}
