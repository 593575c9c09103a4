import OCI
import Testing
@testable import Registry

@Suite struct RegistryRouteTests {
    @Test func pathsAreReadFromTheirEndAndDecodedOnlyWherePercentEncoded() throws {
        let app = try RepositoryName("library/app")
        #expect(try RegistryRoute(path: "/v2/library/app/manifests/latest") == .manifest(app, .tag(try Tag("latest"))))
        #expect(try RegistryRoute(path: "/v2/lib%72ary/app/manifests/v%31") == .manifest(app, .tag(try Tag("v1"))))
        #expect(try RegistryRoute(path: "/v2/library/app/tags/list") == .tags(app))
        #expect(try RegistryRoute(path: "/v2/") == .base)
        #expect(try RegistryRoute(path: "/v2/_catalog") == .catalog)
        #expect(try RegistryRoute(path: "/v3/library/app/manifests/latest") == nil)
        // A malformed escape is kept as it came, and then fails the name's grammar.
        #expect(throws: OCIFormatError.self) { try RegistryRoute(path: "/v2/lib%zzary/app/manifests/latest") }
    }
}
