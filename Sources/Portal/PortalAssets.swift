import Foundation
import NIOCore

/// One file of the portal: its type, an entity tag, and its text.
public struct PortalAsset: Sendable {
    public let contentType: String
    public let etag: String
    public let body: ByteBuffer

    init(contentType: String, etag: String, text: String) {
        self.contentType = contentType
        self.etag = etag
        self.body = ByteBuffer(string: text)
    }
}

/// Where the portal's files come from: the copies built into the binary, or a directory read on
/// every request (`portal.assets_dir`, for working on the portal without rebuilding).
public struct PortalAssets: Sendable {
    let directory: String?

    public init(directory: String? = nil) { self.directory = directory }

    /// The file at `path` (`js/app.js`), or nil. Paths with `..` or a leading `/` are refused.
    public func asset(_ path: String) -> PortalAsset? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { return nil }
        guard let directory else { return Self.embedded[path] }
        guard let data = FileManager.default.contents(atPath: directory + "/" + path),
              let type = Self.contentType(of: path) else { return nil }
        return PortalAsset(contentType: type, etag: "\"dev-\(data.hashValue)\"", text: String(decoding: data, as: UTF8.self))
    }

    static func contentType(of path: String) -> String? {
        [
            "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
            "css": "text/css; charset=utf-8", "svg": "image/svg+xml",
        ][String(path.split(separator: ".").last ?? "")]
    }
}
