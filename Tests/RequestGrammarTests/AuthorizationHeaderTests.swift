import Testing
import RequestGrammar

@Suite struct AuthorizationHeaderTests {
    @Test func basicCredentialsParsing() {
        #expect(BasicCredentials(authorizationHeader: "Basic YWRtaW46cGE6c3M=") ==
                BasicCredentials(authorizationHeader: "basic YWRtaW46cGE6c3M="))
        let parsed = BasicCredentials(authorizationHeader: "Basic YWRtaW46cGE6c3M=")
        #expect(parsed?.username == "admin" && parsed?.password == "pa:ss")
        for bad in ["Bearer abc", "Basic", "Basic !!!", "Basic YWRtaW4="] {
            #expect(BasicCredentials(authorizationHeader: bad) == nil)
        }
        #expect(BasicCredentials(username: "admin", password: "pa:ss").headerValue == "Basic YWRtaW46cGE6c3M=")
    }

    @Test func schemes() {
        #expect(AuthorizationHeader(nil) == nil)
        #expect(AuthorizationHeader("") == nil)
        #expect(AuthorizationHeader("Bearer  abc.def ") == .bearer("abc.def"))
        #expect(AuthorizationHeader("bEaReR x") == .bearer("x"))
        #expect(AuthorizationHeader("Basic Og==") == .basic(BasicCredentials(username: "", password: "")))
        #expect(AuthorizationHeader("Bearer") == .unsupported)
        #expect(AuthorizationHeader("Digest realm=x") == .unsupported)
        #expect(AuthorizationHeader("Basic !!!") == .unsupported)
    }
}
