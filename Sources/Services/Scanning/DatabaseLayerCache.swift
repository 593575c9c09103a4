import Foundation
import Metadata
import Scanner

/// The engine's per-layer cache in the metadata database: a layer shared by many images (their
/// base) is read once for all of them, on every node. Within a process, scans that reach a layer
/// another scan is reading wait for that read instead of starting their own (so the base of 100
/// images pushed at once is read once, not once per worker); across nodes each may read it.
struct DatabaseLayerCache: LayerResultCache {
    let store: LayerInventoryStore
    /// Shared by every scan of the process; keys are content digests.
    static let reads = LayerReads()

    func load(_ key: String) async -> Data? {
        while true {
            if let stored = (try? await store.load(key)).flatMap({ $0 }) { return Data(stored.utf8) }
            // Nil when this caller is now the reader; otherwise another read ended: look again.
            guard await Self.reads.waitOrBegin(key) else { return nil }
        }
    }

    func store(_ key: String, _ value: Data) async {
        try? await store.store(key, String(decoding: value, as: UTF8.self))
        await Self.reads.end(key)
    }

    func abandon(_ key: String) async {
        await Self.reads.end(key)
    }
}

/// Which layers this process is reading now, and who waits for each.
actor LayerReads {
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Makes the caller the reader of `key` and returns false, or waits for the current reader
    /// to end and returns true.
    func waitOrBegin(_ key: String) async -> Bool {
        guard waiting[key] != nil else {
            waiting[key] = []
            return false
        }
        await withCheckedContinuation { waiting[key, default: []].append($0) }
        return true
    }

    func end(_ key: String) {
        guard let waiters = waiting.removeValue(forKey: key) else { return }
        for waiter in waiters { waiter.resume() }
    }
}
