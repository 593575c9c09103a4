import Foundation
import NIOConcurrencyHelpers

/// Harbor's `read_only` setting: while on, nothing may be changed through `/v2/` or the API but
/// the setting itself. Kept in the system settings so that every node obeys it; each node reads it
/// at most every 5 seconds, and at once after a change made through it.
public final class ReadOnlySwitch: Sendable {
    public static let key = "read_only"
    static let cacheMillis: Int64 = 5_000

    private let store: SystemSettingsStore
    private let cache = NIOLockedValueBox<(readAt: Int64, on: Bool)?>(nil)
    /// Bumped by `reload`: a read that began before a reload does not store its older value.
    private let generation = NIOLockedValueBox<Int>(0)

    public init(store: SystemSettingsStore) { self.store = store }

    public var isOn: Bool {
        get async {
            let now = WallClock.nowMillis()
            if let cached = cache.withLockedValue({ $0 }), now - cached.readAt < Self.cacheMillis { return cached.on }
            let started = generation.withLockedValue { $0 }
            let on: Bool
            do {
                on = try await store.all()[Self.key] == "true"
            } catch {
                // A database that cannot be read leaves the last known value (off when none).
                on = cache.withLockedValue { $0?.on } ?? false
            }
            if generation.withLockedValue({ $0 }) == started { cache.withLockedValue { $0 = (now, on) } }
            return on
        }
    }

    /// Forgets the cached value: the next request reads the setting again.
    public func reload() {
        generation.withLockedValue { $0 += 1 }
        cache.withLockedValue { $0 = nil }
    }
}
