import Foundation

/// Stores per-layer results by diff id, so an unchanged base layer is read once across scans.
public protocol LayerResultCache: Sendable {
    /// The stored result, or nil: then the caller reads the layer and ends with `store` or `abandon`.
    func load(_ key: String) async -> Data?
    func store(_ key: String, _ value: Data) async
    /// The caller's read of `key` ended without a result to store (an incomplete layer, an error,
    /// a stop), so a cache that made others wait for that read lets them read it themselves.
    func abandon(_ key: String) async
}

extension LayerResultCache {
    public func abandon(_ key: String) async {}
}

/// Process-local cache (the registry's scan jobs share one).
public actor InMemoryLayerCache: LayerResultCache {
    private var entries: [String: Data] = [:]
    public init() {}
    public func load(_ key: String) -> Data? { entries[key] }
    public func store(_ key: String, _ value: Data) { entries[key] = value }
    public var count: Int { entries.count }
}

/// One JSON file per layer in a directory (the command line's `--cache-dir`).
public struct DirectoryLayerCache: LayerResultCache {
    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    public func load(_ key: String) async -> Data? {
        try? Data(contentsOf: directory.appendingPathComponent(key + ".json"))
    }

    public func store(_ key: String, _ value: Data) async {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? value.write(to: directory.appendingPathComponent(key + ".json"), options: .atomic)
    }
}
