import Foundation
import SQLKit

/// System-wide settings changed through `/api/v2.0/configurations`, as text by key. Each node
/// reads them (and caches them briefly), so a change made on one is seen by all.
public struct SystemSettingsStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func all() async throws -> [String: String] {
        try await database.read { db in
            var settings: [String: String] = [:]
            for row in try await db.raw("SELECT name, value FROM system_settings").all() {
                settings[try row.decode(column: "name", as: String.self)] = try row.decode(column: "value", as: String.self)
            }
            return settings
        }
    }

    /// Sets every given key in one transaction.
    public func set(_ values: [String: String]) async throws {
        let now = WallClock.nowMillis()
        try await database.write { db in
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                try await db.raw("""
                    INSERT INTO system_settings (name, value, update_time) VALUES (\(bind: name), \(bind: value), \(bind: now))
                    ON CONFLICT (name) DO UPDATE SET value = excluded.value, update_time = excluded.update_time
                    """).run()
            }
        }
    }
}

/// The audit log's settings, by the names Harbor's `/configurations` uses.
public enum AuditSettingKey: String, CaseIterable, Sendable {
    /// `host:port` of a syslog receiver reached over TCP; empty forwards nothing.
    case forwardEndpoint = "audit_log_forward_endpoint"
    /// "true": lines are forwarded only, not stored (needs a forward endpoint).
    case skipDatabase = "skip_audit_log_database"
    /// Comma-separated `AuditEventType`s that are neither stored nor forwarded.
    case disabledEventTypes = "disabled_audit_log_event_types"

    /// `host:port` split, or nil when it is not one (a port from 1 to 65535, a host without spaces).
    public static func endpoint(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.count <= 253, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { return nil }
        return (host, port)
    }

    /// The event types named in a `disabled_audit_log_event_types` value, lower-cased and trimmed.
    public static func eventTypes(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }
}

/// What the API changes of the audit settings: it re-reads them after a change, and checks that
/// a forward endpoint answers before accepting it.
public protocol AuditSettingsControl: AuditPolicy {
    func reload()
    func reachable(_ endpoint: String) async -> Bool
}
