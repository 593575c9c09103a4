import Foundation
import Metadata
import Synchronization
import Testing

/// Where each running test's database and harness are (creating the database, serving, closing,
/// dropping it), written every 5 s to `berth-test-phases-<pid>.txt` in the temporary directory:
/// `scripts/lib.sh`'s watchdog prints that file when it kills a test run that stalled, so the log
/// says what every unfinished test was waiting on. A plain thread writes it, neither dispatch nor
/// Swift's cooperative pool, which are what a stall leaves idle. (A SIGUSR1 handler was tried
/// first: with the signal ignored, Linux discards it before libdispatch's source sees it.)
public enum TestPhases {
    struct Entry {
        let test: String
        var phase: String
        var since: Date
        var database: MetadataDatabase?
    }

    private static let entries = Mutex<[UUID: Entry]>([:])
    private static let reporter: Void = {
        let path = NSTemporaryDirectory() + "berth-test-phases-\(getpid()).txt"
        Thread.detachNewThread {
            while true {
                Thread.sleep(forTimeInterval: 5)
                try? Data(report().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        }
    }()

    /// Starts tracking one database or harness; returns its key.
    static func begin(_ phase: String) -> UUID {
        _ = reporter
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

    static func report() -> String {
        let now = Date()
        var text = "== test phases at \(now): \(entries.withLock { $0.count }) in progress\n"
        for entry in entries.withLock({ Array($0.values) }).sorted(by: { $0.since < $1.since }) {
            let age = String(format: "%.1f", now.timeIntervalSince(entry.since))
            let operations = entry.database.map { " db operations: \($0.activeOperations) active, \($0.watchedOperations) watched" } ?? ""
            text += "   \(entry.test): \(entry.phase) for \(age) s\(operations)\n"
        }
        return text
    }
}
