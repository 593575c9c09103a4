/// The BER subset LDAP speaks (RFC 4511 §5.1): definite lengths only, OCTET STRINGs primitive
/// only, and the few universal types LDAP's ASN.1 uses. Values are kept as a tree of elements;
/// the LDAP messages are built from and read out of that tree (LDAPRequest.swift,
/// LDAPResponse.swift). Decoding lives in BERDecoder.swift.

/// The two high bits of an identifier octet (X.690 §8.1.2.2).
public enum BERTagClass: UInt8, Sendable, Hashable {
    case universal = 0
    case application = 1
    case contextSpecific = 2
    case `private` = 3
}

/// A tag without its constructed bit: whether an element is constructed follows from its
/// content (children or bytes), so the two can never disagree.
public struct BERTag: Hashable, Sendable, CustomStringConvertible {
    public var tagClass: BERTagClass
    public var number: UInt32

    public init(_ tagClass: BERTagClass, _ number: UInt32) {
        self.tagClass = tagClass
        self.number = number
    }

    public static let boolean = BERTag(.universal, 1)
    public static let integer = BERTag(.universal, 2)
    public static let octetString = BERTag(.universal, 4)
    public static let null = BERTag(.universal, 5)
    public static let enumerated = BERTag(.universal, 10)
    public static let sequence = BERTag(.universal, 16)
    public static let set = BERTag(.universal, 17)

    public static func application(_ number: UInt32) -> BERTag { BERTag(.application, number) }
    public static func context(_ number: UInt32) -> BERTag { BERTag(.contextSpecific, number) }

    public var description: String {
        switch tagClass {
        case .universal: "[UNIVERSAL \(number)]"
        case .application: "[APPLICATION \(number)]"
        case .contextSpecific: "[\(number)]"
        case .private: "[PRIVATE \(number)]"
        }
    }
}

/// One BER element: a tag and either the bytes of a primitive value or the elements inside a
/// constructed one.
public struct BERElement: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case primitive([UInt8])
        case constructed([BERElement])
    }

    public var tag: BERTag
    public var content: Content

    public init(tag: BERTag, bytes: [UInt8]) {
        self.tag = tag
        self.content = .primitive(bytes)
    }

    public init(tag: BERTag, children: [BERElement]) {
        self.tag = tag
        self.content = .constructed(children)
    }

    public var isConstructed: Bool {
        if case .constructed = content { true } else { false }
    }

    /// The value bytes of a primitive element; nil for a constructed one.
    public var bytes: [UInt8]? {
        if case .primitive(let bytes) = content { bytes } else { nil }
    }

    /// The elements inside a constructed element; nil for a primitive one.
    public var children: [BERElement]? {
        if case .constructed(let children) = content { children } else { nil }
    }
}

// MARK: - Building values

extension BERElement {
    public static func integer(_ value: Int64, tag: BERTag = .integer) -> BERElement {
        BERElement(tag: tag, bytes: BER.integerBytes(value))
    }

    public static func enumerated(_ value: Int64) -> BERElement {
        .integer(value, tag: .enumerated)
    }

    /// TRUE as 0xFF, the DER form every server accepts.
    public static func boolean(_ value: Bool, tag: BERTag = .boolean) -> BERElement {
        BERElement(tag: tag, bytes: [value ? 0xFF : 0x00])
    }

    public static func octetString(_ bytes: [UInt8], tag: BERTag = .octetString) -> BERElement {
        BERElement(tag: tag, bytes: bytes)
    }

    public static func octetString(_ string: String, tag: BERTag = .octetString) -> BERElement {
        BERElement(tag: tag, bytes: Array(string.utf8))
    }

    public static func null(tag: BERTag = .null) -> BERElement {
        BERElement(tag: tag, bytes: [])
    }

    public static func sequence(_ children: [BERElement], tag: BERTag = .sequence) -> BERElement {
        BERElement(tag: tag, children: children)
    }

    public static func set(_ children: [BERElement]) -> BERElement {
        BERElement(tag: .set, children: children)
    }
}

// MARK: - Reading values

extension BERElement {
    /// A two's-complement INTEGER or ENUMERATED of at most 8 bytes.
    public func integerValue() throws -> Int64 {
        guard let bytes, (1...8).contains(bytes.count) else {
            throw BERError.unexpected("\(tag) is not an integer of 1 to 8 bytes")
        }
        var value: Int64 = bytes[0] & 0x80 == 0 ? 0 : -1
        for byte in bytes {
            value = (value << 8) | Int64(byte)
        }
        return value
    }

    /// BER reads any non-zero octet as TRUE (X.690 §8.2.2).
    public func booleanValue() throws -> Bool {
        guard let bytes, bytes.count == 1 else {
            throw BERError.unexpected("\(tag) is not a one-byte boolean")
        }
        return bytes[0] != 0
    }

    /// The bytes of a primitive OCTET STRING (LDAP never segments them into constructed ones).
    public func octetStringValue() throws -> [UInt8] {
        guard let bytes else {
            throw BERError.unexpected("\(tag) is constructed where an octet string was expected")
        }
        return bytes
    }

    /// An LDAPString or LDAPDN. Invalid UTF-8 becomes U+FFFD rather than an error: these are
    /// names and messages to show, and a server's odd byte should not hide the rest of an answer.
    public func stringValue() throws -> String {
        String(decoding: try octetStringValue(), as: UTF8.self)
    }

    public func childElements() throws -> [BERElement] {
        guard let children else {
            throw BERError.unexpected("\(tag) is primitive where a constructed element was expected")
        }
        return children
    }

    /// Self, after checking the tag: decoding follows the ASN.1 step by step with this.
    public func expecting(_ expected: BERTag) throws -> BERElement {
        guard tag == expected else {
            throw BERError.unexpected("found \(tag) where \(expected) was expected")
        }
        return self
    }
}

// MARK: - Encoding

extension BERElement {
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    public func encode(into out: inout [UInt8]) {
        switch content {
        case .primitive(let bytes):
            BER.appendIdentifier(tag, constructed: false, to: &out)
            BER.appendLength(bytes.count, to: &out)
            out += bytes
        case .constructed(let children):
            var inner: [UInt8] = []
            for child in children { child.encode(into: &inner) }
            BER.appendIdentifier(tag, constructed: true, to: &out)
            BER.appendLength(inner.count, to: &out)
            out += inner
        }
    }
}

/// The octet-level rules shared by the encoder, the decoder and the stream framer.
public enum BER {
    /// The largest message the client accepts unless told otherwise: far above any directory
    /// answer it asks for, far below what would hurt the process.
    public static let defaultMaxMessageSize = 16 << 20
    public static let defaultMaxDepth = 32

    static func appendIdentifier(_ tag: BERTag, constructed: Bool, to out: inout [UInt8]) {
        let leading = tag.tagClass.rawValue << 6 | (constructed ? 0x20 : 0)
        if tag.number < 31 {
            out.append(leading | UInt8(tag.number))
            return
        }
        // High-tag-number form: base 128, most significant group first, bit 8 set on all but the last.
        out.append(leading | 0x1F)
        var groups: [UInt8] = []
        var number = tag.number
        repeat {
            groups.append(UInt8(number & 0x7F))
            number >>= 7
        } while number > 0
        for (index, group) in groups.reversed().enumerated() {
            out.append(index == groups.count - 1 ? group : group | 0x80)
        }
    }

    /// Short form below 128, otherwise the long form with the fewest length octets (DER).
    static func appendLength(_ length: Int, to out: inout [UInt8]) {
        if length < 0x80 {
            out.append(UInt8(length))
            return
        }
        var octets: [UInt8] = []
        var rest = length
        while rest > 0 {
            octets.append(UInt8(rest & 0xFF))
            rest >>= 8
        }
        out.append(0x80 | UInt8(octets.count))
        out += octets.reversed()
    }

    /// The shortest two's-complement form: a leading 0x00 or 0xFF stays only where it carries the sign.
    static func integerBytes(_ value: Int64) -> [UInt8] {
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * (7 - $0))) }
        while bytes.count > 1,
              (bytes[0] == 0x00 && bytes[1] & 0x80 == 0) || (bytes[0] == 0xFF && bytes[1] & 0x80 != 0) {
            bytes.removeFirst()
        }
        return bytes
    }
}
