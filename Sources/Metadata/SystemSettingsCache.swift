import Foundation
import NIOConcurrencyHelpers

/// The system settings as requests read them: every node reads the table at most every 5 seconds,
/// and at once after a change made through it, so a change made on one node is obeyed by all
/// within that time without a query per request.
public final class SystemSettingsCache: Sendable {
    static let cacheMillis: Int64 = 5_000

    private let store: SystemSettingsStore
    private let cache = NIOLockedValueBox<(readAt: Int64, settings: SystemSettings)?>(nil)
    /// Bumped by `reload`: a read that began before a reload does not store its older values.
    private let generation = NIOLockedValueBox<Int>(0)

    public init(store: SystemSettingsStore) { self.store = store }

    /// The settings as last read. When the database cannot be read the last known values stay
    /// (the defaults when none were ever read): an outage must not turn `read_only` off.
    public var current: SystemSettings {
        get async {
            let now = WallClock.nowMillis()
            if let cached = cache.withLockedValue({ $0 }), now - cached.readAt < Self.cacheMillis { return cached.settings }
            let started = generation.withLockedValue { $0 }
            let settings: SystemSettings
            do {
                settings = SystemSettings(stored: try await store.all())
            } catch {
                settings = cache.withLockedValue { $0?.settings } ?? SystemSettings(stored: [:])
            }
            if generation.withLockedValue({ $0 }) == started { cache.withLockedValue { $0 = (now, settings) } }
            return settings
        }
    }

    /// Forgets the cached values: the next request reads the settings again.
    public func reload() {
        generation.withLockedValue { $0 += 1 }
        cache.withLockedValue { $0 = nil }
    }
}
