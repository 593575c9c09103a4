import Jobs

/// Harbor's `ScheduleObj`.
struct ScheduleObj: Codable {
    var type: String?
    var cron: String?
    var next_scheduled_time: String?
}

/// The body of `POST|PUT /system/gc/schedule` (and the purge's): Harbor's `Schedule`. The
/// `parameters` object is read separately, by the job that owns it.
struct ScheduleBody: Decodable {
    let schedule: ScheduleObj?
}

/// Harbor's `GCHistory` / `ExecHistory`: one execution, or (from `GET .../schedule`) the schedule.
struct ExecHistory: Encodable {
    let id: Int64
    let job_name: String
    let job_kind: String
    let job_parameters: String
    let schedule: ScheduleObj
    let job_status: String
    let deleted: Bool
    let creation_time: String
    let update_time: String

    init(_ execution: JobExecution) {
        id = execution.id
        job_name = execution.vendorType
        job_kind = execution.trigger.rawValue
        job_parameters = execution.parameters
        schedule = ScheduleObj(type: execution.trigger == .schedule ? "Schedule" : "Manual", cron: "", next_scheduled_time: nil)
        job_status = execution.status.rawValue
        deleted = false
        creation_time = Timestamp.rfc3339(millis: execution.startTime)
        update_time = Timestamp.rfc3339(millis: execution.endTime ?? execution.updateTime)
    }

    /// As Harbor answers `GET /system/gc/schedule`: `job_kind` holds the cron.
    init(_ schedule: ScheduleRecord) {
        id = schedule.id
        job_name = ""
        job_kind = schedule.cron
        job_parameters = schedule.parameters
        self.schedule = ScheduleObj(type: schedule.cronType, cron: schedule.cron,
                                    next_scheduled_time: Timestamp.rfc3339(millis: schedule.nextFireAt))
        job_status = "Scheduled"
        deleted = false
        creation_time = Timestamp.rfc3339(millis: schedule.creationTime)
        update_time = Timestamp.rfc3339(millis: schedule.updateTime)
    }
}

struct WorkerPoolResp: Encodable {
    let pid: Int64
    let worker_pool_id: String
    let start_at: String
    let heartbeat_at: String
    let concurrency: Int
    let host: String
}

struct WorkerResp: Encodable {
    let id: String
    let pool_id: String
    let job_name: String
    let job_id: String
    let start_at: String?
    let check_in: String
    let checkin_at: String?
}

struct JobQueueResp: Encodable {
    let job_type: String
    let count: Int
    let latency: Int64
    let paused: Bool
}

struct ActionRequest: Decodable {
    let action: String
}

struct ScheduleTaskResp: Encodable {
    let id: Int64
    let vendor_type: String
    let vendor_id: Int64
    let cron: String
    let update_time: String
}

struct SchedulerStatus: Encodable {
    let paused: Bool
}
