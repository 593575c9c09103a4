import Foundation
import Metadata
import SQLKit

/// A periodic trigger of one vendor (the GC, the audit purge, one retention policy...).
public struct ScheduleRecord: Sendable, Equatable {
    public let id: Int64
    public let vendorType: String
    public let vendorID: Int64
    /// Harbor's schedule type (`Hourly`, `Daily`, `Weekly`, `Custom`).
    public let cronType: String
    public let cron: String
    public let parameters: String
    public let nextFireAt: Int64
    public let creationTime: Int64
    public let updateTime: Int64
}

/// The `job_schedules` table. A tick is taken by one conditional UPDATE of `next_fire_at`, so with
/// any number of nodes each tick fires once; the next tick is computed from the time of firing,
/// so a server that was down does not replay the ticks it missed.
public struct ScheduleStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// Creates or replaces the vendor's schedule.
    @discardableResult
    public func put(vendorType: String, vendorID: Int64 = 0, schedule: HarborSchedule, parameters: String,
                    now: Date = Date()) async throws -> ScheduleRecord {
        guard let expression = schedule.expression, let next = expression.next(after: now) else {
            throw CronError("schedule type \(schedule.kind.rawValue) is not periodic")
        }
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO job_schedules (vendor_type, vendor_id, cron_type, cron, parameters, next_fire_at, creation_time, update_time)
                VALUES (\(bind: vendorType), \(bind: vendorID), \(bind: schedule.kind.rawValue), \(bind: expression.description),
                        \(bind: parameters), \(bind: Self.millis(next)), \(bind: nowMillis), \(bind: nowMillis))
                ON CONFLICT (vendor_type, vendor_id) DO UPDATE SET cron_type = excluded.cron_type, cron = excluded.cron,
                    parameters = excluded.parameters, next_fire_at = excluded.next_fire_at, update_time = excluded.update_time
                """).run()
            guard let row = try await db.raw("""
                SELECT * FROM job_schedules WHERE vendor_type = \(bind: vendorType) AND vendor_id = \(bind: vendorID)
                """).first() else { throw MetadataError.conflict("the schedule was not stored") }
            return try Self.record(row)
        }
    }

    /// Removes the vendor's schedule; returns false when there was none.
    @discardableResult
    public func delete(vendorType: String, vendorID: Int64 = 0) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("""
                DELETE FROM job_schedules WHERE vendor_type = \(bind: vendorType) AND vendor_id = \(bind: vendorID) RETURNING id
                """).all()).isEmpty
        }
    }

    public func get(vendorType: String, vendorID: Int64 = 0) async throws -> ScheduleRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM job_schedules WHERE vendor_type = \(bind: vendorType) AND vendor_id = \(bind: vendorID)")
                .first().map(Self.record)
        }
    }

    public func list(page: OffsetRequest) async throws -> Page<ScheduleRecord> {
        try await database.read { db in
            try await PagedQuery.run(db, columns: "*", from: "job_schedules", filter: "", orderBy: "id", page: page, Self.record)
        }
    }

    /// Schedules due at `now`.
    public func due(now: Int64) async throws -> [ScheduleRecord] {
        try await database.read { db in
            try await db.raw("SELECT * FROM job_schedules WHERE next_fire_at <= \(bind: now) ORDER BY next_fire_at").all().map(Self.record)
        }
    }

    /// Takes the schedule's tick at `record.nextFireAt` and moves it to `next`; when this node won
    /// the tick and it is not older than `graceMillis`, enqueues the execution in the same
    /// transaction. Returns the execution id when one was enqueued.
    public func fire(_ record: ScheduleRecord, next: Int64, now: Int64, graceMillis: Int64,
                     task: TaskSpec) async throws -> Int64? {
        try await database.write { db in
            let won = try await db.raw("""
                UPDATE job_schedules SET next_fire_at = \(bind: next)
                WHERE id = \(bind: record.id) AND next_fire_at = \(bind: record.nextFireAt) RETURNING id
                """).all()
            guard !won.isEmpty, now - record.nextFireAt <= graceMillis else { return nil }
            return try await JobStore.enqueue(vendorType: record.vendorType, vendorID: record.vendorID, trigger: .schedule,
                                              parameters: record.parameters, tasks: [task], now: now, in: db)
        }
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func record(_ row: any SQLRow) throws -> ScheduleRecord {
        ScheduleRecord(id: try row.decode(column: "id", as: Int64.self), vendorType: try row.decode(column: "vendor_type", as: String.self),
                       vendorID: try row.decode(column: "vendor_id", as: Int64.self), cronType: try row.decode(column: "cron_type", as: String.self),
                       cron: try row.decode(column: "cron", as: String.self), parameters: try row.decode(column: "parameters", as: String.self),
                       nextFireAt: try row.decode(column: "next_fire_at", as: Int64.self),
                       creationTime: try row.decode(column: "creation_time", as: Int64.self),
                       updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}
