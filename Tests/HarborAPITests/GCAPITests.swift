import BerthTestSupport
import Foundation
import HTTPTypes
import Metadata
import Testing

/// `/system/gc` and its schedule, in Harbor's shapes; jobs run on this test's own worker.
@Suite struct GCAPITests {
    @Test func theSeedsDailyScheduleAndItsShapes() async throws {
        try await Harness.run { h in
            let empty = try await h.api(.get, "/system/gc/schedule")
            #expect(empty.status == .ok && empty.bytes.isEmpty, "no schedule yet: 200 with no body, as Harbor")
            // The seed's request, verbatim.
            let created = try await h.api(.post, "/system/gc/schedule", json: #"{"schedule":{"type":"Daily","cron":"0 0 2 * * *"}}"#)
            #expect(created.status == .created, "\(created.text)")
            let schedule = try await h.api(.get, "/system/gc/schedule").object()
            let obj = try #require(schedule["schedule"] as? [String: Any])
            #expect(obj["type"] as? String == "Daily" && obj["cron"] as? String == "0 0 2 * * *")
            #expect((obj["next_scheduled_time"] as? String)?.contains("T02:00:00") == true)
            #expect(schedule["job_kind"] as? String == "0 0 2 * * *")
            #expect(try JSONSerialization.jsonObject(with: Data((schedule["job_parameters"] as? String ?? "").utf8)) is [String: Any])
            #expect(try await h.api(.put, "/system/gc/schedule", json: #"{"schedule":{"type":"Custom","cron":"0 30 */6 * * *"},"parameters":{"workers":3}}"#).status == .ok)
            let updated = try await h.api(.get, "/system/gc/schedule").object()
            #expect((updated["schedule"] as? [String: Any])?["cron"] as? String == "0 30 */6 * * *")
            #expect((updated["job_parameters"] as? String)?.contains(#""workers":3"#) == true)
            let listed = try await h.api(.get, "/schedules").array()
            #expect(listed.map { $0["vendor_type"] as? String } == ["GARBAGE_COLLECTION"])
            #expect(try await h.api(.put, "/system/gc/schedule", json: #"{"schedule":{"type":"None"}}"#).status == .ok)
            #expect(try await h.api(.get, "/system/gc/schedule").bytes.isEmpty)
        }
    }

    @Test func badInputIsRefusedAndNothingIsStored() async throws {
        try await Harness.run { h in
            let cases = [
                #"{"schedule":{"type":"Custom","cron":"0 0 25 * * *"}}"#,
                #"{"schedule":{"type":"Custom","cron":"0 0 0 30 2 *"}}"#,
                #"{"schedule":{"type":"Custom","cron":"* * * *"}}"#,
                #"{"schedule":{"type":"Custom"}}"#,
                #"{"schedule":{"type":"Fortnightly","cron":"0 0 0 * * *"}}"#,
                #"{"schedule":{"type":"Daily"},"parameters":{"workers":11}}"#,
                #"{"schedule":{"type":"Manual"},"parameters":{"workers":0}}"#,
                #"{"schedule":{"type":"Daily"},"parameters":{"dry_run":"yes"}}"#,
                #"{"schedule":{}}"#,
                #"not json"#,
            ]
            for body in cases {
                let response = try await h.api(.post, "/system/gc/schedule", json: body)
                #expect(response.status == .badRequest, "\(body): \(response.status)")
                #expect(response.errorCode == "BAD_REQUEST", "\(body)")
            }
            #expect(try await h.api(.get, "/system/gc/schedule").bytes.isEmpty)
            #expect(try await h.api(.get, "/system/gc").header("X-Total-Count") == "0")
        }
    }

    @Test func manualRunHistoryLogAndStop() async throws {
        try await Harness.run { h in
            _ = try await h.pushImage("library/app", tag: "v1", layer: "doomed layer")
            #expect(try await h.api(.delete, "/projects/library/repositories/app/artifacts/v1/tags/v1").status == .ok)
            // Held in its queue first, so that the pending state can be seen.
            #expect(try await h.api(.put, "/jobservice/queues/GARBAGE_COLLECTION", json: #"{"action":"pause"}"#).status == .ok)
            let started = try await h.api(.post, "/system/gc/schedule", json: #"{"schedule":{"type":"Manual"},"parameters":{"delete_untagged":true,"workers":2}}"#)
            #expect(started.status == .created, "\(started.text)")
            let location = try #require(started.header("Location"))
            #expect(location.hasPrefix("/api/v2.0/system/gc/"))
            let id = try #require(Int(location.split(separator: "/").last!))
            let pending = try await h.api(.get, "/system/gc/\(id)").object()
            #expect(pending["job_status"] as? String == "Pending" && pending["job_kind"] as? String == "MANUAL")
            #expect((pending["job_parameters"] as? String)?.contains(#""workers":2"#) == true)
            #expect(try await h.api(.post, "/system/gc/schedule", json: #"{"schedule":{"type":"Manual"}}"#).status == .conflict,
                    "one GC at a time")

            #expect(try await h.api(.put, "/jobservice/queues/GARBAGE_COLLECTION", json: #"{"action":"resume"}"#).status == .ok)
            try await eventually("the GC to finish") { try await h.api(.get, "/system/gc/\(id)").object()["job_status"] as? String == "Success" }
            let done = try await h.api(.get, "/system/gc/\(id)").object()
            #expect(done["job_name"] as? String == "GARBAGE_COLLECTION")
            #expect((done["schedule"] as? [String: Any])?["type"] as? String == "Manual")
            let log = try await h.api(.get, "/system/gc/\(id)/log")
            #expect(log.header("Content-Type")?.hasPrefix("text/plain") == true)
            let freed = "doomed layer".utf8.count + #"{"architecture":"amd64","os":"linux"}"#.utf8.count
            #expect(log.text.contains("deleted 1 untagged artifacts") && log.text.contains("deleted 2 blobs, freed \(freed) bytes"), "\(log.text)")
            let history = try await h.api(.get, "/system/gc")
            #expect(history.header("X-Total-Count") == "1")
            #expect(try history.array().first?["id"] as? Int == id)
            #expect(try await h.api(.put, "/system/gc/\(id)").status == .ok, "stopping a finished run changes nothing")
            #expect(try await h.api(.get, "/system/gc/\(id)").object()["job_status"] as? String == "Success")
            #expect(try await h.api(.get, "/system/gc/999999").status == .notFound)
            #expect(try await h.api(.get, "/system/gc/999999/log").status == .notFound)
        }
    }

    @Test func stopAPendingRunAndWhoMayDoWhat() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.put, "/jobservice/queues/GARBAGE_COLLECTION", json: #"{"action":"pause"}"#).status == .ok)
            let started = try await h.api(.post, "/system/gc/schedule", json: #"{"schedule":{"type":"Manual"}}"#)
            let id = try #require(started.header("Location")?.split(separator: "/").last.map(String.init))
            #expect(try await h.api(.put, "/system/gc/\(id)").status == .ok)
            #expect(try await h.api(.get, "/system/gc/\(id)").object()["job_status"] as? String == "Stopped")
            #expect(try await h.api(.put, "/jobservice/queues/GARBAGE_COLLECTION", json: #"{"action":"resume"}"#).status == .ok)
            #expect(try await h.server.jobs.runOnce(workerID: "test:0") == false, "nothing is left to run")

            let user = try await h.createUser("dev")
            let asUser = Harness.basic("dev", user.password)
            #expect(try await h.api(.get, "/system/gc", headers: asUser).status == .forbidden)
            #expect(try await h.api(.post, "/system/gc/schedule", json: #"{"schedule":{"type":"Manual"}}"#, headers: asUser).status == .forbidden)
            #expect(try await h.api(.get, "/system/gc", headers: [:]).status == .unauthorized)
            #expect(try await h.api(.get, "/jobservice/pools", headers: asUser).status == .forbidden)
        }
    }
}

@Suite struct JobServiceAPITests {
    /// The server's own pool runs in the background during these tests, as it does in production.
    @Test func poolsWorkersQueuesAndJobs() async throws {
        try await Harness.run { h in
            let jobs = h.server.jobs, webhooks = h.server.webhookJobs
            // The job workers' pool, and the webhook deliveries' own.
            try await eventually("the pools to register") { try await h.api(.get, "/jobservice/pools").array().count == 2 }
            let pools = try await h.api(.get, "/jobservice/pools").array()
            let main = pools.first { $0["worker_pool_id"] as? String == jobs.poolID }
            #expect(main?["concurrency"] as? Int == jobs.settings.concurrency)
            #expect(pools.contains { $0["worker_pool_id"] as? String == webhooks.poolID && $0["concurrency"] as? Int == webhooks.settings.concurrency })
            let workers = try await h.api(.get, "/jobservice/pools/\(jobs.poolID)/workers").array()
            #expect(workers.map { $0["id"] as? String } == (0..<jobs.settings.concurrency).map { "\(jobs.poolID):\($0)" })
            #expect(try await h.api(.get, "/jobservice/pools/nobody/workers").status == .notFound)
            #expect(try await h.api(.get, "/jobservice/pools/all/workers").array().count == jobs.settings.concurrency + webhooks.settings.concurrency)

            #expect(try await h.api(.put, "/jobservice/queues/GARBAGE_COLLECTION", json: #"{"action":"pause"}"#).status == .ok)
            let started = try await h.api(.post, "/system/gc/schedule", json: #"{"schedule":{"type":"Manual"}}"#)
            let execution = try #require(started.header("Location")?.split(separator: "/").last.flatMap { Int64($0) })
            let queue = try await h.api(.get, "/jobservice/queues").array().first { $0["job_type"] as? String == "GARBAGE_COLLECTION" }
            #expect(queue?["count"] as? Int == 1 && queue?["paused"] as? Bool == true)
            #expect(try await jobs.runOnce(workerID: "\(jobs.poolID):0") == false, "a paused queue is not worked")
            #expect(try await h.api(.put, "/jobservice/queues/GARBAGE_COLLECTION", json: #"{"action":"explode"}"#).status == .unprocessableContent)
            #expect(try await h.api(.put, "/jobservice/queues/NO_SUCH_JOB", json: #"{"action":"stop"}"#).status == .notFound)
            #expect(try await h.api(.put, "/jobservice/queues/GARBAGE_COLLECTION", json: #"{"action":"resume"}"#).status == .ok)
            let task = try #require(try await jobs.store.tasks(ofExecution: execution).first)
            try await eventually("the GC to finish") { try await jobs.store.task(task.id)?.status == .success }
            let log = try await h.api(.get, "/jobservice/jobs/\(task.id)/log")
            #expect(log.status == .ok && log.text.contains("garbage collection finished"))
            #expect(try await h.api(.put, "/jobservice/jobs/\(task.id)").status == .ok)
            #expect(try await h.api(.put, "/jobservice/jobs/424242").status == .notFound)
            #expect(try await h.api(.get, "/jobservice/jobs/abc/log").status == .notFound)

            #expect(try await h.api(.get, "/schedules/all/paused").object()["paused"] as? Bool == false)
            #expect(try await h.api(.put, "/jobservice/queues/SCHEDULER", json: #"{"action":"pause"}"#).status == .ok)
            #expect(try await h.api(.get, "/schedules/all/paused").object()["paused"] as? Bool == true)
            #expect(try await h.api(.get, "/schedules/GARBAGE_COLLECTION/paused").status == .badRequest)
        }
    }
}

@Suite struct PurgeAuditAPITests {
    @Test func purgeByAgeAndEventTypeWithDryRun() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            _ = try await h.createUser("alice")
            try await h.server.backend.audit.flush()
            let before = try await h.api(.get, "/audit-logs?page_size=100").header("X-Total-Count").flatMap(Int.init) ?? 0
            #expect(before >= 2)
            // nothing is older than an hour yet
            let young = try await h.api(.post, "/system/purgeaudit/schedule", json: #"{"parameters":{"audit_retention_hour":1,"include_event_types":"create_project,create_user"},"schedule":{"type":"Manual"}}"#)
            #expect(young.status == .created, "\(young.text)")
            let youngID = try #require(young.header("Location")?.split(separator: "/").last.map(String.init))
            try await eventually("the purge to finish") { try await h.api(.get, "/system/purgeaudit/\(youngID)").object()["job_status"] as? String == "Success" }
            #expect(try await h.api(.get, "/system/purgeaudit/\(youngID)/log").text.contains("deleted 0 audit log lines"))
            #expect(try await h.api(.get, "/audit-logs?page_size=100").header("X-Total-Count").flatMap(Int.init) == before)

            // Old lines of two types; only the one asked for goes.
            let threeHoursAgo = Int64(Date().timeIntervalSince1970 * 1000) - 3 * 3_600_000
            try await h.server.api.auditLogs.insert((0..<3).map { i in
                AuditEvent(projectID: nil, operation: "pull", resourceType: "artifact", resource: "library/old:\(i)", username: "admin", time: threeHoursAgo)
            } + [AuditEvent(projectID: nil, operation: "create", resourceType: "project", resource: "old", username: "admin", time: threeHoursAgo)])
            let old = try await h.api(.post, "/system/purgeaudit/schedule", json: #"{"parameters":{"audit_retention_hour":2,"include_event_types":"pull_artifact"},"schedule":{"type":"Manual"}}"#)
            let oldID = try #require(old.header("Location")?.split(separator: "/").last.map(String.init))
            try await eventually("the purge to finish") { try await h.api(.get, "/system/purgeaudit/\(oldID)").object()["job_status"] as? String == "Success" }
            #expect(try await h.api(.get, "/system/purgeaudit/\(oldID)/log").text.contains("deleted 3 audit log lines"))
            #expect(try await h.api(.get, "/audit-logs?page_size=100").header("X-Total-Count").flatMap(Int.init) == before + 1)

            #expect(try await h.api(.post, "/system/purgeaudit/schedule", json: #"{"parameters":{"audit_retention_hour":0},"schedule":{"type":"Manual"}}"#).status == .badRequest)
            #expect(try await h.api(.post, "/system/purgeaudit/schedule", json: #"{"schedule":{"type":"Hourly"}}"#).status == .badRequest)
            let hourly = try await h.api(.post, "/system/purgeaudit/schedule", json: #"{"parameters":{"audit_retention_hour":168,"dry_run":true,"include_event_types":"create_artifact,delete_artifact,pull_artifact"},"schedule":{"type":"Hourly","cron":"0 0 * * * *"}}"#)
            #expect(hourly.status == .created)
            let schedule = try await h.api(.get, "/system/purgeaudit/schedule").object()
            #expect((schedule["schedule"] as? [String: Any])?["cron"] as? String == "0 0 * * * *")
            #expect((schedule["job_parameters"] as? String)?.contains("pull_artifact") == true)
            #expect(try await h.api(.get, "/system/purgeaudit").header("X-Total-Count") == "2", "the two manual runs")
        }
    }
}
