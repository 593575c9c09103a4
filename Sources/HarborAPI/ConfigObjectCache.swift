import NIOConcurrencyHelpers
import OCI

/// Config blobs read as JSON objects, kept by digest: a blob never changes, so an entry is right
/// on every node for ever. Artifact listings show each image's config attributes; without this a
/// page of 15 artifacts read and parsed 15 blobs from storage per request (bench/listings).
/// Bounded by the bytes of the blobs kept; when full it starts again empty.
final class ConfigObjectCache: Sendable {
    private struct State {
        var objects: [Digest: [String: JSONValue]] = [:]
        var bytes: Int64 = 0
    }

    private let state = NIOLockedValueBox(State())
    static let byteLimit: Int64 = 32 << 20

    /// The object for `digest`, read by `load` when it is not kept; nil is not kept (a missing or
    /// unreadable blob may be pushed later).
    func object(_ digest: Digest, size: Int64, load: () async throws -> [String: JSONValue]?) async throws -> [String: JSONValue]? {
        if let kept = state.withLockedValue({ $0.objects[digest] }) { return kept }
        guard let loaded = try await load() else { return nil }
        state.withLockedValue { state in
            if state.bytes + size > Self.byteLimit { state = State() }
            if state.objects.updateValue(loaded, forKey: digest) == nil { state.bytes += size }
        }
        return loaded
    }
}
