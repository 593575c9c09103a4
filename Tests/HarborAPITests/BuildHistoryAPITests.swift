import BerthTestSupport
import Foundation
import HummingbirdTesting
import Testing
@testable import HarborAPI

@Suite struct BuildHistoryAPITests {
    @Test func anImageShowsItsConfigsHistory() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let history = #","history":[{"created":"2026-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop) ADD file:abc in / "},{"created":"2026-01-02T00:00:00Z","created_by":"CMD [\"sh\"]","empty_layer":true}]"#
            _ = try await h.pushImage("team/app", tag: "v1", extra: history)
            let shown = try await h.api(.get, "/projects/team/repositories/app/artifacts/v1/additions/build_history").array()
            #expect(shown.count == 2 && shown[1]["created_by"] as? String == #"CMD ["sh"]"# && shown[1]["empty_layer"] as? Bool == true, "\(shown)")
            #expect(try await h.api(.get, "/projects/team/repositories/app/artifacts/v1/additions/values.yaml").status == .notFound)
            #expect(try await h.api(.get, "/projects/team/repositories/app/artifacts/v9/additions/build_history").status == .notFound)
        }
    }
}

@Suite struct TimestampTests {
    /// The hand-written formatter against Foundation's, across eras, leap days and negative times.
    @Test func matchesFoundationsFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var millis: [Int64] = [0, 1, 999, 1000, -1, -1000, -86_400_001, 951_782_400_000, 4_107_542_399_999, 1_733_520_548_873, 253_402_300_799_999]
        var seed: UInt64 = 42
        for _ in 0..<2000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            millis.append(Int64(seed % 8_000_000_000_000) - 1_000_000_000_000)
        }
        for value in millis {
            #expect(Timestamp.rfc3339(millis: value) == formatter.string(from: Date(timeIntervalSince1970: Double(value) / 1000)), "\(value)")
        }
    }
}
