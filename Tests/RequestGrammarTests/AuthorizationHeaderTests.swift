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

    /// Found by FuzzAuthorization (fuzz/corpus/authorization/crash-combining-mark-after-colon): the
    /// ':' was looked for as a Character, and fuses with a combining mark after it, so a password
    /// starting with one (U+07AD here) never signed in.
    @Test func passwordStartingWithACombiningMark() {
        let credentials = BasicCredentials(username: "", password: "\u{07AD}")
        #expect(credentials.headerValue == "Basic Ot6t")
        #expect(BasicCredentials(authorizationHeader: "Basic Ot6t") == credentials)
        #expect(BasicCredentials(authorizationHeader: BasicCredentials(username: "jo", password: "\u{301}x:y").headerValue)?.password == "\u{301}x:y")
    }

    @Test func schemes() {
        #expect(AuthorizationHeader(nil) == nil)
        #expect(AuthorizationHeader("") == nil)
        #expect(AuthorizationHeader("Bearer  abc.def ") == .bearer("abc.def"))
        #expect(AuthorizationHeader("bEaReR x") == .bearer("x"))
        #expect(AuthorizationHeader("Basic Og==") == .basic(BasicCredentials(username: "", password: "")))
        #expect(AuthorizationHeader("Bearer") == .unsupported)
        // Found by FuzzAuthorization (authorization/crash-bearer-combining-mark): the blank and a
        // combining mark after it are one Character, so such a header was not read as Bearer.
        #expect(AuthorizationHeader("Bearer \u{64B}x") == .bearer("\u{64B}x"))
        #expect(AuthorizationHeader("BEARER  \u{64B}x") == .bearer("\u{64B}x"))
        #expect(AuthorizationHeader("Digest realm=x") == .unsupported)
        #expect(AuthorizationHeader("Basic !!!") == .unsupported)
    }
}
