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
            // A stopped scan stops waiting; the engine sees the cancellation and reads nothing.
            if Task.isCancelled { return nil }
            // False when this task is now the reader; otherwise another read ended: look again.
            guard await Self.reads.waitOrBegin(key, owner: Self.currentTask()) else { return nil }
        }
    }

    func store(_ key: String, _ value: Data) async {
        try? await store.store(key, String(decoding: value, as: UTF8.self))
        await Self.reads.end(key, owner: Self.currentTask())
    }

    func abandon(_ key: String) async {
        await Self.reads.end(key, owner: Self.currentTask())
    }

    /// The engine loads, reads and stores a layer in one task, so the task names the reader.
    static func currentTask() -> Int {
        withUnsafeCurrentTask { $0?.hashValue ?? 0 }
    }
}

/// Which layers this process is reading now (and which task reads each), and who waits for them.
/// Only the reader ends a read; a waiter that is cancelled stops waiting at once.
actor LayerReads {
    private var readers: [String: Int] = [:]
    private var waiting: [String: [Int: CheckedContinuation<Void, Never>]] = [:]
    private var nextWaiter = 0

    /// Makes `owner` the reader of `key` and returns false (also when it already is), or waits
    /// for the current reader to end, or for the caller's cancellation, and returns true.
    func waitOrBegin(_ key: String, owner: Int) async -> Bool {
        guard let reader = readers[key] else {
            readers[key] = owner
            return false
        }
        if reader == owner { return false }
        nextWaiter += 1
        let id = nextWaiter
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume() } else { waiting[key, default: [:]][id] = continuation }
            }
        } onCancel: {
            Task { await self.cancel(key, id) }
        }
        return true
    }

    func end(_ key: String, owner: Int) {
        guard readers[key] == owner else { return }
        readers.removeValue(forKey: key)
        for waiter in (waiting.removeValue(forKey: key) ?? [:]).values { waiter.resume() }
    }

    private func cancel(_ key: String, _ id: Int) {
        waiting[key]?.removeValue(forKey: id)?.resume()
    }
}
