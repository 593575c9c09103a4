import Dispatch
import Foundation
import Metadata
import Synchronization
import Testing

/// Where each running test's database and harness are (creating the database, serving, closing,
/// dropping it), printed on SIGUSR1: `scripts/lib.sh`'s watchdog sends it before killing a test
/// run that stalled, so the log says what every unfinished test was waiting on. The handler runs
/// on a dispatch queue, not on Swift's cooperative pool, so it answers even when that pool is stuck.
public enum TestPhases {
    struct Entry {
        let test: String
        var phase: String
        var since: Date
        var database: MetadataDatabase?
    }

    private static let entries = Mutex<[UUID: Entry]>([:])
    // Set once, then only read by the dispatch queue it runs on.
    nonisolated(unsafe) private static let handler: DispatchSourceSignal = {
        signal(SIGUSR1, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: DispatchQueue(label: "berth.test-phases"))
        source.setEventHandler { dump() }
        source.resume()
        return source
    }()

    /// Starts tracking one database or harness; returns its key.
    static func begin(_ phase: String) -> UUID {
        _ = handler
        let key = UUID()
        let test = Test.current?.name ?? "?"
        entries.withLock { $0[key] = Entry(test: test, phase: phase, since: Date(), database: nil) }
        return key
    }

    static func move(_ key: UUID, to phase: String, database: MetadataDatabase? = nil) {
        entries.withLock { table in
            table[key]?.phase = phase
            table[key]?.since = Date()
            if let database { table[key]?.database = database }
        }
    }

    static func end(_ key: UUID) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    static func dump() {
        let now = Date()
        var text = "== test phases (SIGUSR1): \(entries.withLock { $0.count }) in progress\n"
        for entry in entries.withLock({ Array($0.values) }).sorted(by: { $0.since < $1.since }) {
            let age = String(format: "%.1f", now.timeIntervalSince(entry.since))
            let operations = entry.database.map { " db operations: \($0.activeOperations) active, \($0.watchedOperations) watched" } ?? ""
            text += "   \(entry.test): \(entry.phase) for \(age) s\(operations)\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
