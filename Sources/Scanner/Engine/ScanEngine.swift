import Foundation

/// The scanner's entry point for the registry and the command line: layers in, inventory out,
/// then `VulnerabilityMatcher` and the report writers. Knows nothing of HTTP or databases.
public struct ScanEngine: Sendable {
    public var limits: ScanLimits
    public var cache: (any LayerResultCache)?
    /// Progress and warnings, one line each (the command line sends them to stderr).
    public var log: @Sendable (String) -> Void

    /// Bumped whenever analyzers change what they find, so stale cached results are not reused.
    static let cacheVersion = "v2"

    public init(limits: ScanLimits = ScanLimits(), cache: (any LayerResultCache)? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.limits = limits
        self.cache = cache
        self.log = log
    }

    public func inventory<Layers: AsyncSequence>(of layers: Layers) async throws -> ImageInventory where Layers.Element == ImageLayer {
        let scanner = LayerScanner(analyzers: Analyzers.all, limits: limits)
        var results: [LayerResult] = []
        var references: [LayerReference] = []
        var warnings: [String] = []
        var bytesRead: UInt64 = 0
        var incomplete: [String] = []
        for try await layer in layers {
            try Task.checkCancellation()
            let label = layer.diffID?.description ?? layer.digest?.description ?? "#\(results.count + 1)"
            // Keyed by the blob's digest, which storage verified, never by the config's diff id,
            // which the pusher states: a false diff id must not borrow another layer's result.
            let key = layer.digest.map { "\(Self.cacheVersion)-\($0.algorithm.rawValue)-\($0.hex)" }
            var result: LayerResult?
            if let key, let cache, let data = await cache.load(key) {
                result = try? JSONDecoder().decode(LayerResult.self, from: data)
                if result != nil { log("layer \(label): cached") }
            }
            if result == nil {
                if Task.isCancelled {
                    if let key, let cache { await cache.abandon(key) }
                    throw CancellationError()
                }
                log("layer \(label): reading")
                let fresh: LayerResult
                do {
                    fresh = try await scanner.scan(layer.content, label: label)
                } catch {
                    if let key, let cache { await cache.abandon(key) }
                    throw error
                }
                bytesRead += fresh.bytesRead
                if let key, let cache {
                    if fresh.complete, let data = try? JSONEncoder().encode(fresh) {
                        await cache.store(key, data)
                    } else {
                        await cache.abandon(key)
                    }
                }
                result = fresh
            }
            if !result!.complete { incomplete.append(label) }
            for warning in result!.warnings {
                log("warning: \(warning)")
                warnings.append(warning)
            }
            results.append(result!)
            references.append(LayerReference(digest: layer.digest?.description, diffID: layer.diffID?.description))
        }
        let merged = LayerMerger.packages(results, references: references)
        return ImageInventory(os: merged.os, packages: merged.packages, warnings: warnings, bytesRead: bytesRead,
                              incompleteLayers: incomplete)
    }
}
