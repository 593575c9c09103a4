import Logging
import Metadata
import Services

/// Connects the registry's push path to auto-scan. A failure to queue is logged, never failing a
/// push that is already stored (scan-all picks the image up later).
struct AutoScanObserver: ArtifactEventObserver {
    let autoScan: AutoScan
    let logger: Logger

    func manifestPushed(_ pushed: PushedManifest) async {
        do {
            try await autoScan.manifestPushed(manifestID: pushed.manifestID, projectID: pushed.projectID)
        } catch {
            logger.warning("auto-scan of \(pushed.repository)@\(pushed.digest) was not queued: \(error)")
        }
    }
}
