import Foundation

/// The shared real-data corpus (`../shared/vulndb`: published OSV advisories, version vectors).
public enum SharedCorpus {
    /// `BERTH_SHARED`, else `shared/` beside the package's repository (as CI lays it out), else /work/shared.
    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["BERTH_SHARED"] { return URL(fileURLWithPath: env) }
        let beside = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: beside.appendingPathComponent("vulndb").path) { return beside }
        return URL(fileURLWithPath: "/work/shared")
    }()
    public static var vulndb: URL { root.appendingPathComponent("vulndb") }
}
