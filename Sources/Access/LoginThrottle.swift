import Foundation
import NIOConcurrencyHelpers

/// Slows down password guessing: after `limit` failures within `window` for one account from one
/// address, or `addressLimit` failures from one address for any accounts, further attempts are
/// refused until the window has passed. Kept in memory per node, as Harbor does.
public final class LoginThrottle: Sendable {
    private struct Record { var failures: [Date] = [] }
    private let records = NIOLockedValueBox<[String: Record]>([:])
    let limit: Int
    let addressLimit: Int
    let window: TimeInterval

    public init(limit: Int = 5, addressLimit: Int = 30, window: TimeInterval = 300) {
        self.limit = limit
        self.addressLimit = addressLimit
        self.window = window
    }

    public func isBlocked(username: String, address: String?, now: Date = Date()) -> Bool {
        records.withLockedValue { table in
            recent(table[accountKey(username, address)], now) >= limit
                || (address.map { recent(table[addressKey($0)], now) >= addressLimit } ?? false)
        }
    }

    public func recordFailure(username: String, address: String?, now: Date = Date()) {
        records.withLockedValue { table in
            if table.count > 100_000 { table.removeAll() }
            for key in [accountKey(username, address)] + (address.map { [addressKey($0)] } ?? []) {
                var record = table[key] ?? Record()
                record.failures = record.failures.filter { now.timeIntervalSince($0) < window } + [now]
                table[key] = record
            }
        }
    }

    public func recordSuccess(username: String, address: String?) {
        records.withLockedValue { _ = $0.removeValue(forKey: accountKey(username, address)) }
    }

    private func recent(_ record: Record?, _ now: Date) -> Int {
        record?.failures.filter { now.timeIntervalSince($0) < window }.count ?? 0
    }

    private func accountKey(_ username: String, _ address: String?) -> String { "u\u{0}\(username)\u{0}\(address ?? "")" }
    private func addressKey(_ address: String) -> String { "a\u{0}\(address)" }
}
