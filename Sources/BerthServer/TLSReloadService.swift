import Foundation
import Logging
import ServiceLifecycle

/// Reads the certificate again every `tls.reload_seconds` for the life of the server, so that a
/// renewed certificate is served without a restart: files rewritten in place (cert-manager, a
/// renewal cron), or with `tls: auto` a server certificate renewed 30 days before its end. A read
/// that fails (a pair caught half-written) keeps the certificate being served and is tried again.
struct TLSReloadService: Service {
    let configuration: BerthConfiguration
    let served: ServedCertificate
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(configuration.tlsReloadSeconds))
                    reload()
                }
            }
        } catch is CancellationError {
            return
        }
    }

    func reload() {
        do {
            guard let (loaded, _) = try TLSSetup.read(configuration, unchangedFrom: served.loaded.pem) else { return }
            if served.replace(with: loaded) {
                logger.info("serving a new TLS certificate", metadata: ["subject": "\(loaded.chain[0].description)"])
            }
        } catch {
            logger.warning("could not read the TLS certificate again; serving the one before", metadata: ["error": "\(error)"])
        }
    }
}
