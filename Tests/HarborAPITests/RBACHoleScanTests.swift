import BerthTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Registry
import Testing

/// Issue 14 §4, the RBAC hole scan: every route of the live router, every method, as every shape
/// of caller (anonymous, `Basic Og==`, the five roles, a non-member, an administrator, system and
/// project robots of each shape, a disabled and an expired robot, registry tokens), about a public
/// and a private project, answered as the permission matrix (`ScanMatrix`, written from Harbor's
/// sources) says. A route the scan's tables do not know fails the test, so a new route must be
/// given its requirement here.
@Suite struct RBACHoleScanTests {
    /// The scan sends at least this many requests; fewer means routes or callers went missing.
    static let pairFloor = 8_000

    struct Mismatch: CustomStringConvertible {
        var explicitKind: String?
        let what: String
        let caller: ScanCaller
        let project: ScanProject?
        let expected: String
        let status: Int
        let body: String

        var kind: String {
            if let explicitKind { return explicitKind }
            if expected == "another project's object: 400 or 404" {
                return (200..<300).contains(status) ? "HOLE (reached another project's object)" : "unexpected answer"
            }
            if expected.hasPrefix("refused") {
                if (200..<300).contains(status) { return "HOLE (allowed where it must be refused)" }
                if [401, 403].contains(status) { return "refused with the wrong status" }
                return "past authorization (or answered before it) where it must be refused"
            }
            return [401, 403].contains(status) ? "refused where allowed" : "server error"
        }

        var description: String {
            "\(kind): \(what) as \(caller)\(project.map { " in the \($0) project" } ?? ""): expected \(expected), got \(status) \(body.prefix(160))"
        }
    }

    final class Tally: @unchecked Sendable {
        var pairs = 0
        var mismatches: [Mismatch] = []
    }

    @Test func everyRouteEveryCallerEveryProject() async throws {
        try await Harness.run { h in
            let clock = ContinuousClock()
            let started = clock.now
            let fixture = try await ScanFixture.build(h)
            let setUp = clock.now - started

            // Every route of the live router must be known to the scan.
            let live = h.server.router().routes.map { "\($0.method) \($0.path)" }
            let registryRoutes = live.filter { $0.hasSuffix(" /v2") || $0.hasSuffix(" /v2/**") }
            let known = Set(ScanRoutes.api.map(\.route)).union(ScanExcluded.routes.keys)
            for route in live where !known.contains(route) && !registryRoutes.contains(route) {
                Issue.record("the RBAC scan does not know \(route): give it its requirement in RBACScanRoutes.swift")
            }
            for route in known where !live.contains(route) {
                Issue.record("the RBAC scan names \(route), which the router no longer has")
            }
            let registryMethods = Set(registryRoutes.filter { $0.hasSuffix(" /v2/**") }.map { String($0.split(separator: " ")[0]) })
            #expect(registryMethods == Set(registryRoutes.filter { $0.hasSuffix(" /v2") }.map { String($0.split(separator: " ")[0]) }))
            #expect(registryMethods.isSuperset(of: ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"]))
            // Each registry endpoint's sample path parses as that endpoint.
            for kind in RegistryKind.allCases {
                let path = kind.path(method: "GET", kind.isSystem ? nil : fixture.projects[.publicProject]!)
                let parsed = try RegistryRoute(path: path)
                #expect(parsed.map(RegistryKind.init) == kind, "\(path) parses as \(String(describing: parsed))")
            }

            let tally = Tally()
            for phase in 0...2 {
                for probe in ScanRoutes.api where probe.phase == phase {
                    try await Self.run(probe, h, fixture, tally)
                }
                for kind in RegistryKind.allCases {
                    for method in registryMethods.sorted() where (kind.isDestructive(method) ? 1 : 0) == phase {
                        try await Self.run(kind, method, h, fixture, tally)
                    }
                }
            }

            try await Self.runMount(h, fixture, tally)

            let elapsed = clock.now - started
            let byKind = Dictionary(grouping: tally.mismatches, by: \.kind).mapValues(\.count)
            print("""
                RBAC hole scan: \(tally.pairs) (route, method, caller, project) pairs checked over \(ScanRoutes.api.count) API probes \
                and \(RegistryKind.allCases.count * registryMethods.count) /v2/ endpoint-methods, \(ScanCaller.allCases.count) callers; \
                \(tally.mismatches.count) mismatches \(byKind); set-up \(setUp), total \(elapsed)
                """)
            for mismatch in tally.mismatches { Issue.record("\(mismatch)") }
            #expect(tally.pairs >= Self.pairFloor, "only \(tally.pairs) pairs were checked")
        }
    }

    /// Sends `probe` as every caller, about each project for project routes; refused callers
    /// first, so that a delete that succeeds cannot hide what the others would have been told.
    static func run(_ probe: APIProbe, _ h: Harness, _ fixture: ScanFixture, _ tally: Tally) async throws {
        let projects: [ScanProject?] = probe.scope == .project ? ScanProject.allCases : [nil]
        for project in projects {
            let context = ScanContext(fixture: fixture, project: project.map { fixture.projects[$0]! })
            let values = APIProbe.defaults(context).merging(probe.params(context)) { _, override in override }
            var path = String(probe.route.split(separator: " ", maxSplits: 1)[1])
            for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
            guard !path.contains("{") else {
                Issue.record("\(probe.name): no value for a parameter of \(path)")
                continue
            }
            let query = probe.query(context)
            let uri = query.isEmpty ? path : path + "?" + query
            let callers = ScanCaller.allCases.map { ($0, probe.requirement.expectation(for: $0, in: project)) }
                .sorted { ($0.1 == .allowed ? 1 : 0) < ($1.1 == .allowed ? 1 : 0) }
            for (caller, expected) in callers {
                var headers = fixture.headers(caller, project)
                for field in probe.extraHeaders { headers.append(field) }
                let body = probe.body?(context)
                if body != nil { headers[.contentType] = "application/json" }
                let response = try await h.client.execute(uri: uri, method: HTTPRequest.Method(rawValue: probe.method)!, headers: headers,
                                                          body: body.map { ByteBuffer(string: $0) })
                tally.pairs += 1
                let status = response.status.code
                let matches: Bool
                switch expected {
                case .allowed where probe.namesAnotherProjectsObject: matches = [400, 404].contains(status)
                case .allowed: matches = ![401, 403].contains(status) && (status < 500 || probe.tolerated.contains(status))
                case .refused(let code): matches = status == code
                }
                if !matches {
                    let shown = expected == .allowed && probe.namesAnotherProjectsObject ? "another project's object: 400 or 404" : "\(expected)"
                    tally.mismatches.append(Mismatch(what: "\(probe.name) \(uri)", caller: caller, project: project,
                                                     expected: shown, status: status, body: response.text))
                } else if expected == .allowed, probe.route == "GET /service/token", let project {
                    checkToken(response, caller: caller, project: project, fixture: fixture, tally: tally)
                } else if expected == .allowed, status == 200, let inspect = probe.inspect, let problem = inspect(caller, response.text) {
                    tally.mismatches.append(Mismatch(explicitKind: problem.hasPrefix("shows") ? "HOLE (shows what it must not)" : "hides what it may see",
                                                     what: "\(probe.name) \(uri)", caller: caller, project: project,
                                                     expected: "allowed, and only what it may see", status: status, body: problem))
                }
            }
        }
    }

    /// The token's `access` holds what the matrix lets the caller do to the repository, no more.
    static func checkToken(_ response: TestResponse, caller: ScanCaller, project: ScanProject, fixture: ScanFixture, tally: Tally) {
        struct Body: Decodable { let token: String }
        struct Claims: Decodable { struct Access: Decodable { let actions: [String] }; let access: [Access] }
        var granted: Set<String> = []
        if let token = try? JSONDecoder().decode(Body.self, from: Data(response.bytes)).token {
            var payload = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while payload.count % 4 != 0 { payload += "=" }
            if let data = Data(base64Encoded: payload), let claims = try? JSONDecoder().decode(Claims.self, from: data) {
                granted = Set(claims.access.flatMap(\.actions))
            }
        }
        let expected = Set(["pull", "push", "delete"].filter { Requirement.project("repository", $0).permits(caller, in: project) })
        if granted != expected {
            tally.mismatches.append(Mismatch(explicitKind: granted.isSubset(of: expected) ? "token grants less than it may" : "HOLE (token grants more than it may)",
                                             what: "GET /service/token access", caller: caller, project: project,
                                             expected: "a token granting \(expected.sorted())", status: 200,
                                             body: "granted \(granted.sorted())"))
        }
    }

    /// A cross-repository blob mount from the private project into each project: the push needs
    /// push here; the blob is linked (201) only for callers who may pull the source, the others
    /// get an upload session (202), as the distribution spec says, and nothing is linked.
    static func runMount(_ h: Harness, _ fixture: ScanFixture, _ tally: Tally) async throws {
        let source = fixture.projects[.privateProject]!
        for project in ScanProject.allCases {
            let p = fixture.projects[project]!
            let uri = "/v2/\(p.name)/mounted/blobs/uploads/?mount=\(source.appLayer)&from=\(source.name)/app"
            for caller in ScanCaller.allCases {
                let expected = RegistryKind.uploads.expectation("POST", caller, project)
                let response = try await h.client.execute(uri: uri, method: .post, headers: fixture.headers(caller, project))
                tally.pairs += 1
                let status = response.status.code
                let sourcePull: Bool = switch caller {
                case .developerToken: project == .privateProject   // the token names the private project's repositories only then
                case .anonymousToken, .anonymous, .emptyBasic, .disabledRobot, .expiredRobot: false
                default: Requirement.inProject(.privateProject, "repository", "pull").permits(caller, in: project)
                }
                let matches: Bool
                switch expected {
                case .allowed: matches = status == (sourcePull ? 201 : 202)
                case .refused(let code): matches = status == code
                case .unsupported: matches = false
                }
                if !matches {
                    let shown = expected == .allowed ? (sourcePull ? "201 (mounted)" : "202 (an upload session, nothing mounted)") : "\(expected)"
                    tally.mismatches.append(Mismatch(explicitKind: expected == .allowed && status == 201 ? "HOLE (mounted a blob it may not pull)" : nil,
                                                     what: "POST \(uri) [mount]", caller: caller, project: project,
                                                     expected: shown, status: status, body: response.text))
                }
            }
        }
    }

    static func run(_ kind: RegistryKind, _ method: String, _ h: Harness, _ fixture: ScanFixture, _ tally: Tally) async throws {
        let projects: [ScanProject?] = kind.isSystem ? [nil] : ScanProject.allCases
        for project in projects {
            let p = project.map { fixture.projects[$0]! }
            let uri = kind.path(method: method, p)
            let callers = ScanCaller.allCases.map { ($0, kind.expectation(method, $0, project)) }
                .sorted { ($0.1 == .allowed ? 1 : 0) < ($1.1 == .allowed ? 1 : 0) }
            for (caller, expected) in callers {
                var headers = fixture.headers(caller, project)
                var body: ByteBuffer?
                if kind == .manifest && method == "PUT" {
                    headers[.contentType] = "application/vnd.oci.image.manifest.v1+json"
                    body = ByteBuffer(string: "not a manifest")
                }
                let response = try await h.client.execute(uri: uri, method: HTTPRequest.Method(rawValue: method)!, headers: headers, body: body)
                tally.pairs += 1
                let status = response.status.code
                let matches: Bool
                switch expected {
                case .allowed: matches = ![401, 403].contains(status) && status < 500
                case .refused(let code): matches = status == code
                case .unsupported: matches = [401, 403, 405].contains(status)
                }
                if !matches {
                    tally.mismatches.append(Mismatch(what: "\(method) \(uri) [\(kind)]", caller: caller, project: project,
                                                     expected: "\(expected)", status: status, body: response.text))
                }
            }
        }
    }
}
