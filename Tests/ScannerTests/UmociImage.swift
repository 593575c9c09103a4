import Foundation
@testable import Scanner

/// An OCI image assembled with the real `umoci` tool: each `commit` becomes one layer (umoci
/// writes `.wh.` whiteouts for what was deleted since the previous layer).
final class UmociImage {
    let root: URL
    let layout: URL
    let tag: String
    private(set) var bundle: URL
    private var generation = 0

    init(tag: String = "test") async throws {
        root = try TestData.scratch("umoci")
        layout = root.appendingPathComponent("layout")
        self.tag = tag
        bundle = root.appendingPathComponent("bundle0")
        try await TestData.run("umoci", ["init", "--layout", layout.path])
        try await TestData.run("umoci", ["new", "--image", "\(layout.path):\(tag)"])
        try await TestData.run("umoci", ["unpack", "--image", "\(layout.path):\(tag)", bundle.path])
    }

    var rootfs: URL { bundle.appendingPathComponent("rootfs") }

    /// Copies a host file into the image at `path` (relative to the root).
    func copy(_ source: String, to path: String) throws {
        let target = rootfs.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: source), to: target)
    }

    func write(_ text: String, to path: String) throws {
        let target = rootfs.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    func symlink(_ path: String, to target: String) throws {
        let link = rootfs.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: rootfs.appendingPathComponent(path))
    }

    /// Writes the changes as a new layer and starts a fresh bundle on top of it.
    func commit() async throws {
        try await TestData.run("umoci", ["repack", "--image", "\(layout.path):\(tag)", bundle.path])
        generation += 1
        bundle = root.appendingPathComponent("bundle\(generation)")
        try await TestData.run("umoci", ["unpack", "--image", "\(layout.path):\(tag)", bundle.path])
    }

    var reference: String { "oci:\(layout.path):\(tag)" }

    func resolve() throws -> ResolvedImage { try ImageReference(parsing: reference).resolve() }

    func inventory(cache: (any LayerResultCache)? = nil, limits: ScanLimits = ScanLimits()) async throws -> ImageInventory {
        try await ScanEngine(limits: limits, cache: cache).inventory(of: AsyncLayerSequence(resolve().layers))
    }

    deinit { try? FileManager.default.removeItem(at: root) }
}

extension ScanEngine {
    /// Inventory of a single in-memory layer (hostile-input and analyzer tests).
    func inventory(ofLayer bytes: [UInt8]) async throws -> ImageInventory {
        try await inventory(of: AsyncLayerSequence([ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes(bytes))]))
    }
}
