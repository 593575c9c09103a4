import HarborAPI
import Logging
import ServiceLifecycle

/// The first service told to stop on SIGTERM: it marks the node as draining (health answers
/// 503, so readiness turns false) and waits `shutdown.drain_seconds` for load balancers to notice
/// before the HTTP server stops accepting connections and finishes the requests in flight.
public struct DrainService: Service {
    let drain: DrainSignal
    let seconds: Int
    let logger: Logger

    public init(drain: DrainSignal, seconds: Int, logger: Logger) {
        self.drain = drain
        self.seconds = seconds
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: stopping at once, nothing to drain
        }
        drain.begin()
        logger.notice("stopping: health answers 503 for \(seconds) s, then requests in flight finish")
        try? await Task.sleep(for: .seconds(seconds))
    }
}
