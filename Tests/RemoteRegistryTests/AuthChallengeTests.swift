import Testing
@testable import RemoteRegistry

@Suite struct AuthChallengeTests {
    @Test func aBearerChallengeWithQuotedValuesAndCommasInThem() {
        let challenge = AuthChallenge(header: #"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push""#)
        #expect(challenge?.scheme == "bearer")
        #expect(challenge?.parameters == ["realm": "https://auth.example.com/token", "service": "registry.example.com", "scope": "repository:a/b:pull,push"])
    }

    @Test func basicUnquotedAndEscapedValues() {
        #expect(AuthChallenge(header: #"Basic realm="Registry Realm""#) == AuthChallenge(header: #"basic  realm="Registry Realm""#))
        #expect(AuthChallenge(header: #"Basic realm="Registry Realm""#)?.parameters["realm"] == "Registry Realm")
        #expect(AuthChallenge(header: #"Bearer realm=https://a/token, service = reg"#)?.parameters == ["realm": "https://a/token", "service": "reg"])
        #expect(AuthChallenge(header: #"Bearer realm="a \"quoted\" realm""#)?.parameters["realm"] == #"a "quoted" realm"#)
        #expect(AuthChallenge(header: "Negotiate")?.scheme == "negotiate")
    }

    @Test func malformedChallengesAreRefused() {
        #expect(AuthChallenge(header: "") == nil)
        #expect(AuthChallenge(header: #"Bearer realm="unterminated"#) == nil)
        #expect(AuthChallenge(header: #"Bearer ="no key""#) == nil)
    }
}
