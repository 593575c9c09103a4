import Testing
import RequestGrammar

@Suite struct ScopeTests {
    @Test func scopes() {
        #expect(Scope("repository:library/app:pull,push") == Scope(type: "repository", name: "library/app", actions: ["pull", "push"]))
        #expect(Scope("repository:localhost:5000/library/app:pull")?.name == "localhost:5000/library/app")
        #expect(Scope("registry:catalog:*")?.actions == ["*"])
        #expect(Scope("nonsense") == nil)
        #expect(Scope.parseAll(["repository:a/b:pull repository:c/d:push", "registry:catalog:*"]).count == 3)
    }
}
