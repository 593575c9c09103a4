import FuzzSupport
import OCI

/// The digest, repository-name, tag and reference grammar of `/v2/<name>/manifests/<reference>`,
/// checked against the distribution spec's regular expressions: a string is accepted exactly when
/// the spec's expression matches it, and what is accepted prints back to the same text.
@main
enum FuzzReference {
    nonisolated(unsafe) static let name = #/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*/#
        .matchingSemantics(.unicodeScalar)
    nonisolated(unsafe) static let tag = #/[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}/#.matchingSemantics(.unicodeScalar)
    nonisolated(unsafe) static let digest = #/(sha256:[a-f0-9]{64})|(sha512:[a-f0-9]{128})/#.matchingSemantics(.unicodeScalar)

    static func main() {
        FuzzMain.run { input in
            let text = String(decoding: input, as: UTF8.self)
            checkName(text)
            checkTag(text)
            checkDigest(text)
            checkReference(text)
            // The same text as the tail of a legacy cosign signature tag.
            _ = AccessoryType.legacyCosignSubject(ofTag: "sha256-" + text + ".sig")
        }
    }

    static func checkName(_ text: String) {
        let parsed = try? RepositoryName(text)
        let valid = text.utf8.count <= RepositoryName.maximumLength && (try? name.wholeMatch(in: text)) != nil
        guard (parsed != nil) == valid else {
            fatalError("repository name \(text.debugDescription): parser says \(parsed != nil), the grammar \(valid)")
        }
        guard let parsed else { return }
        guard parsed.value == text, parsed.description == text else { fatalError("name does not print back") }
        if text.contains("/") {
            guard parsed.projectName + "/" + parsed.nameInProject == text else { fatalError("project split loses text") }
        } else {
            guard parsed.projectName == text, parsed.nameInProject == text else { fatalError("one-component name split") }
        }
    }

    static func checkTag(_ text: String) {
        let parsed = try? Tag(text)
        let valid = (try? tag.wholeMatch(in: text)) != nil
        guard (parsed != nil) == valid else {
            fatalError("tag \(text.debugDescription): parser says \(parsed != nil), the grammar \(valid)")
        }
        if let parsed, parsed.value != text { fatalError("tag does not print back") }
    }

    static func checkDigest(_ text: String) {
        let parsed = try? Digest(parsing: text)
        let valid = (try? digest.wholeMatch(in: text)) != nil
        guard (parsed != nil) == valid else {
            fatalError("digest \(text.debugDescription): parser says \(parsed != nil), the grammar \(valid)")
        }
        guard let parsed else { return }
        guard parsed.description == text, parsed.hex.utf8.count == parsed.algorithm.hexLength else { fatalError("digest does not print back") }
        for fallback in Manifest.referrerFallbackTags(of: parsed) where (try? Tag(fallback)) == nil {
            fatalError("referrers fallback tag \(fallback) is not a valid tag")
        }
    }

    static func checkReference(_ text: String) {
        guard let reference = try? Reference(text) else { return }
        guard reference.description == text else { fatalError("reference does not print back") }
        switch reference {
        case .digest: guard text.contains(":") else { fatalError("digest reference without ':'") }
        case .tag: guard !text.contains(":") else { fatalError("tag reference with ':'") }
        }
    }
}
