/// A repository name of one or more path components (`library/team/app`), checked against the
/// distribution-spec grammar: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`.
public struct RepositoryName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// distribution's limit; Harbor keeps the same bound.
    public static let maximumLength = 255

    public let value: String

    public init(_ value: String) throws(OCIFormatError) {
        guard !value.isEmpty, value.utf8.count <= Self.maximumLength else {
            throw .nameInvalid("repository name must be 1 to \(Self.maximumLength) characters")
        }
        for component in value.split(separator: "/", omittingEmptySubsequences: false) {
            guard Self.isValidComponent(component.utf8) else {
                throw .nameInvalid("invalid repository name '\(value.prefix(300))': components are lowercase letters and digits separated by '.', '_', '__' or '-'")
            }
        }
        self.value = value
    }

    /// The first path component: the Harbor project that owns the repository.
    public var projectName: String { String(value.prefix { $0 != "/" }) }

    /// The name inside the project (`team/app` for `library/team/app`), as Harbor's API shows it.
    public var nameInProject: String {
        guard let slash = value.firstIndex(of: "/") else { return value }
        return String(value[value.index(after: slash)...])
    }

    public var description: String { value }

    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.value < rhs.value }

    static func isAlphaNumeric(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) }

    private static func isValidComponent(_ bytes: Substring.UTF8View) -> Bool {
        var previousWasAlphaNumeric = false
        var separator: [UInt8] = []
        for c in bytes {
            if isAlphaNumeric(c) {
                if !separator.isEmpty {
                    guard isValidSeparator(separator) else { return false }
                    separator.removeAll(keepingCapacity: true)
                }
                previousWasAlphaNumeric = true
            } else if c == 0x2e || c == 0x5f || c == 0x2d {  // . _ -
                guard previousWasAlphaNumeric || !separator.isEmpty else { return false }
                separator.append(c)
                previousWasAlphaNumeric = false
            } else {
                return false
            }
        }
        return previousWasAlphaNumeric
    }

    private static func isValidSeparator(_ s: [UInt8]) -> Bool {
        if s == [0x2e] || s == [0x5f] || s == [0x5f, 0x5f] { return true }
        return s.allSatisfy { $0 == 0x2d }
    }
}

/// A tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
public struct Tag: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) throws(OCIFormatError) {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, bytes.count <= 128,
              Self.isWord(first),
              bytes.dropFirst().allSatisfy({ Self.isWord($0) || $0 == 0x2e || $0 == 0x2d })
        else { throw .tagInvalid("invalid tag '\(value.prefix(140))': up to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'") }
        self.value = value
    }

    private static func isWord(_ c: UInt8) -> Bool {
        RepositoryName.isAlphaNumeric(c) || (c >= 0x41 && c <= 0x5a) || c == 0x5f
    }

    public var description: String { value }
    public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.value < rhs.value }
}

/// The `<reference>` of a manifest URL: a tag or a digest.
public enum Reference: Hashable, Sendable, CustomStringConvertible {
    case tag(Tag)
    case digest(Digest)

    public init(_ string: String) throws(OCIFormatError) {
        if string.contains(":") {
            self = .digest(try Digest(parsing: string))
        } else {
            self = .tag(try Tag(string))
        }
    }

    public var description: String {
        switch self {
        case .tag(let t): t.value
        case .digest(let d): d.description
        }
    }
}
