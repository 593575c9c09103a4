import Testing
@testable import BerthServer

@Suite struct LandingPageTests {
    @Test func hostComesFromExternalURLElseTheRequest() {
        #expect(LandingPage.registryHost(externalURL: "https://registry.example.com/base", requestHost: "ignored:1") == "registry.example.com")
        #expect(LandingPage.registryHost(externalURL: nil, requestHost: "127.0.0.1:5000") == "127.0.0.1:5000")
        #expect(LandingPage.registryHost(externalURL: nil, requestHost: nil) == "localhost:5000")
    }

    @Test func pageNamesTheAPIAndLoginAndEscapesTheHost() {
        let page = LandingPage.html(host: "evil<script>:5000")
        #expect(page.contains("/api/v2.0/") && page.contains("skopeo login") && page.contains("docker login"))
        #expect(!page.contains("<script>") && page.contains("evil&lt;script&gt;:5000"))
    }
}
