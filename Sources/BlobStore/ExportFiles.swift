import NIOCore

/// Files Berth writes for download (CVE exports), in the same storage as blobs so that every node
/// serves them. A file appears under its name only when complete (written, fsynced, renamed).
extension BlobStore {
    /// Writes the file from what `produce` hands to its `write` function, in order; returns its size.
    @discardableResult
    public func writeExport(_ executionID: Int64, _ produce: (_ write: ([ByteBuffer]) async throws -> Void) async throws -> Void) async throws -> Int64 {
        let partial = BlobLayout.exportInProgress(executionID)
        try? await driver.delete(partial)
        let writer = try await driver.appender(partial)
        var size: Int64 = 0
        do {
            try await produce { buffers in
                try await writer.write(buffers)
                size += Int64(buffers.reduce(0) { $0 + $1.readableBytes })
            }
            try await writer.commit()
            try await writer.close()
        } catch {
            try? await writer.close()
            try? await driver.delete(partial)
            throw error
        }
        try await driver.move(partial, to: BlobLayout.export(executionID))
        return size
    }

    public func exportSize(_ executionID: Int64) async throws -> Int64? {
        try await driver.size(of: BlobLayout.export(executionID))
    }

    public func readExport(_ executionID: Int64, range: Range<Int64>, consume: (ByteBuffer) async throws -> Void) async throws {
        try await driver.read(BlobLayout.export(executionID), range: range, chunkSize: readChunkSize, consume: consume)
    }

    public func deleteExport(_ executionID: Int64) async throws {
        try await driver.delete(BlobLayout.export(executionID))
    }
}
