import BerthTestSupport
import Foundation
import HummingbirdTesting
import Testing

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
