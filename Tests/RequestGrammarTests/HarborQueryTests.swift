import Testing
import RequestGrammar

@Suite struct HarborQueryTests {
    @Test func forms() {
        let query = HarborQuery(parsing: "name=~app, Tags=(a b),severity={High Critical},cvss_score_v3=[7~ ],type=IMAGE,bad")
        #expect(query.fuzzy == ["name": "app"])
        #expect(query.allOf == ["tags": ["a", "b"]])
        #expect(query.sets == ["severity": ["High", "Critical"]])
        #expect(query.ranges["cvss_score_v3"]?.low == "7" && query.ranges["cvss_score_v3"]?.high == nil)
        #expect(query.exact == ["type": "IMAGE"])
        #expect(query.keys == ["name", "tags", "severity", "cvss_score_v3", "type"])
    }

    @Test func absentOrEmpty() {
        #expect(HarborQuery(parsing: nil).keys.isEmpty)
        #expect(HarborQuery(parsing: "").keys.isEmpty)
        #expect(HarborQuery(parsing: "=").exact == ["": ""])
    }
}
