import BerthTestSupport
import Foundation
import Testing

/// `/api/v2.0/system/scrub`: the scrub as a system job with the GC API's history, log and schedule.
@Suite struct ScrubAPITests {
    @Test func aManualScrubRunsAsAJobAndLogsWhatItChecked() async throws {
        try await Harness.run { h in
            try await h.pushImage("library/app", tag: "v1")
            let bad = try await h.api(.post, "/system/scrub/schedule", json: #"{"schedule":{"type":"Manual"},"parameters":{"workers":99}}"#)
            #expect(bad.status == .badRequest && bad.text.contains("workers"), "\(bad.text)")
            let started = try await h.api(.post, "/system/scrub/schedule", json: #"{"schedule":{"type":"Manual"},"parameters":{"rate_mib":100}}"#)
            #expect(started.status == .created, "\(started.text)")
            let location = try #require(started.header("Location"))
            #expect(location.hasPrefix("/api/v2.0/system/scrub/"))
            let id = try #require(Int(location.split(separator: "/").last!))
            // 512 storage prefixes each listed and read: slower than a GC when the whole suite runs.
            try await eventually(seconds: 180, "the scrub to finish") {
                try await h.api(.get, "/system/scrub/\(id)").object()["job_status"] as? String == "Success"
            }
            let done = try await h.api(.get, "/system/scrub/\(id)").object()
            #expect(done["job_name"] as? String == "SCRUB")
            #expect((done["job_parameters"] as? String)?.contains(#""rate_mib":100"#) == true)
            let log = try await h.api(.get, "/system/scrub/\(id)/log")
            #expect(log.text.contains("scrub finished") && log.text.contains(": 0 problems"), "\(log.text)")
            #expect(try await h.api(.get, "/system/scrub").array().first?["id"] as? Int == id)

            // Administrators only, like garbage collection.
            #expect(try await h.request(.get, "/api/v2.0/system/scrub", headers: [:]).status == .unauthorized)
        }
    }
}
