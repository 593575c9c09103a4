import Metadata
import Testing
@testable import Services

/// Harbor's destination naming and filter semantics, the parts of replication without I/O.
@Suite struct ReplicationRulesTests {
    @Test func destinationNamingFollowsHarbor() throws {
        // Legacy mode (-1): the namespace replaces the first component.
        #expect(try DestinationNaming.destination(of: "library/nginx", namespace: "myproject", replaceCount: -1) == "myproject/nginx")
        #expect(try DestinationNaming.destination(of: "a/b/c", namespace: "ns", replaceCount: -1) == "ns/b/c")
        #expect(try DestinationNaming.destination(of: "nginx", namespace: "ns", replaceCount: -1) == "ns/nginx")
        #expect(try DestinationNaming.destination(of: "a/b/c", namespace: "", replaceCount: 2) == "a/b/c")
        #expect(try DestinationNaming.destination(of: "a/b/c", namespace: "ns", replaceCount: 0) == "ns/a/b/c")
        #expect(try DestinationNaming.destination(of: "a/b/c", namespace: "ns", replaceCount: 1) == "ns/b/c")
        #expect(try DestinationNaming.destination(of: "a/b/c", namespace: "ns", replaceCount: 2) == "ns/c")
        #expect(try DestinationNaming.destination(of: "a/b/c", namespace: "ns", replaceCount: 3) == "ns/c")
        #expect(throws: ReplicationError.self) { try DestinationNaming.destination(of: "a/b/c", namespace: "ns", replaceCount: 4) }
    }

    @Test func filtersSelectByNameTagAndKind() throws {
        let filters = try ReplicationFilters([
            ReplicationFilterRule(type: "name", patterns: ["myproject/**"], decoration: "matches"),
            ReplicationFilterRule(type: "tag", patterns: ["*-rc*"], decoration: "excludes"),
        ])
        #expect(filters.selects(repository: "myproject/app") && filters.selects(repository: "myproject/team/app"))
        #expect(!filters.selects(repository: "other/app"))
        #expect(filters.selects(tag: "v1") && !filters.selects(tag: "v2-rc1"))
        #expect(filters.literalRepositories == nil)
        #expect(try ReplicationFilters([ReplicationFilterRule(type: "name", patterns: ["library/nginx"], decoration: "")]).literalRepositories == ["library/nginx"])
        #expect(try ReplicationFilters([ReplicationFilterRule(type: "name", patterns: ["library/nginx"], decoration: "excludes")]).literalRepositories == nil)
        // Labels: matches needs all, excludes drops any; unknown labels (a remote) pass exclusions only.
        let required = try ReplicationFilters([ReplicationFilterRule(type: "label", patterns: ["prod", "signed"], decoration: "matches")])
        #expect(required.selects(labels: ["prod", "signed", "x"]) && !required.selects(labels: ["prod"]) && !required.selects(labels: nil))
        let excluded = try ReplicationFilters([ReplicationFilterRule(type: "label", patterns: ["wip"], decoration: "excludes")])
        #expect(excluded.selects(labels: ["prod"]) && !excluded.selects(labels: ["wip"]) && excluded.selects(labels: nil))
        #expect(filters.selects(labels: nil) && !filters.usesLabels)
        #expect(try ReplicationFilters([ReplicationFilterRule(type: "resource", patterns: ["image"], decoration: "matches")]).resource == "image")
    }

    @Test func badFiltersAreRefused() {
        for rule in [ReplicationFilterRule(type: "name", patterns: ["[abc"], decoration: "matches"),
                     ReplicationFilterRule(type: "name", patterns: [], decoration: "matches"),
                     ReplicationFilterRule(type: "tag", patterns: ["v*"], decoration: "sometimes"),
                     ReplicationFilterRule(type: "resource", patterns: ["chart"], decoration: "matches"),
                     ReplicationFilterRule(type: "size", patterns: ["1"], decoration: "matches")] {
            #expect(throws: ReplicationError.self, "\(rule)") { try ReplicationFilters([rule]) }
        }
    }
}
