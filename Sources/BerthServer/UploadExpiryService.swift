import Foundation
import Logging
import ServiceLifecycle
import Services

/// Runs `UploadExpiry` every hour for the life of the server.
struct UploadExpiryService: Service {
    let expiry: UploadExpiry
    let logger: Logger

    func run() async throws {
        // Shutting down cancels the hourly sleep; that is the normal end, not an error.
        do {
            try await runUntilShutdown()
        } catch is CancellationError {
            return
        }
    }

    private func runUntilShutdown() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let removed = try await expiry.purge(nowMillis: Int64(Date().timeIntervalSince1970 * 1000))
                    if removed > 0 { logger.info("expired abandoned upload sessions", metadata: ["count": "\(removed)"]) }
                } catch {
                    logger.warning("upload expiry failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
