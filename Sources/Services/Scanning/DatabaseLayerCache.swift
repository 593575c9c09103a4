import Foundation
import Metadata
import Scanner

/// The engine's per-layer cache in the metadata database: a layer shared by many images (their
/// base) is read once for all of them, on every node.
struct DatabaseLayerCache: LayerResultCache {
    let store: LayerInventoryStore

    func load(_ key: String) async -> Data? {
        (try? await store.load(key)).flatMap { $0 }.map { Data($0.utf8) }
    }

    func store(_ key: String, _ value: Data) async {
        try? await store.store(key, String(decoding: value, as: UTF8.self))
    }
}
