import Testing
@testable import OCI

@Suite struct NameTests {
    @Test(arguments: ["library/app", "a", "project/team/app", "a.b_c__d-e---f/x", "foo/bar-baz/0"])
    func acceptsValidRepositoryNames(_ name: String) throws {
        #expect(try RepositoryName(name).value == name)
    }

    @Test(arguments: ["", "Library/app", "a//b", "/a", "a/", "a..b", "a___b", "-a", "a-", "a b", "a/.b", "a/b_", String(repeating: "a", count: 256)])
    func rejectsInvalidRepositoryNames(_ name: String) {
        #expect(throws: OCIFormatError.self) { try RepositoryName(name) }
    }

    @Test func splitsProjectAndName() throws {
        let name = try RepositoryName("library/team/app")
        #expect(name.projectName == "library")
        #expect(name.nameInProject == "team/app")
    }

    @Test func tagGrammar() throws {
        #expect(try Tag("v1.0_rc-1").value == "v1.0_rc-1")
        #expect(try Tag("_x").value == "_x")
        #expect(try Tag(String(repeating: "a", count: 128)).value.count == 128)
        for bad in ["", ".x", "-x", "a/b", "a:b", String(repeating: "a", count: 129)] {
            #expect(throws: OCIFormatError.self) { try Tag(bad) }
        }
    }

    @Test func referenceIsTagOrDigest() throws {
        #expect(try Reference("latest") == .tag(try Tag("latest")))
        let digest = "sha256:" + String(repeating: "b", count: 64)
        #expect(try Reference(digest) == .digest(try Digest(parsing: digest)))
        #expect(throws: OCIFormatError.self) { try Reference("sha256:baddigeststring") }
    }

    @Test func headerPartsLoseSurroundingSpacesAndTabsOnly() {
        #expect(" \tapplication/json \t".trimmingSpacesAndTabs == "application/json")
        #expect("a b".trimmingSpacesAndTabs == "a b")
        #expect(" \t ".trimmingSpacesAndTabs == "" && "".trimmingSpacesAndTabs == "")
        #expect("\nx\n".trimmingSpacesAndTabs == "\nx\n")
        #expect(Manifest.bareMediaType(" application/vnd.oci.image.manifest.v1+json ; q=0.5") == "application/vnd.oci.image.manifest.v1+json")
    }
}
