import NIOCore

/// Why bytes from the network are not acceptable BER. The decoder throws one of these for
/// every malformed input; it never traps, whatever it is given.
public enum BERError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ends inside an identifier or a length.
    case truncated
    /// A length says more bytes follow than the input (or the enclosing element) holds.
    case lengthBeyondInput(declared: Int, available: Int)
    /// The indefinite form (0x80), which LDAP forbids (RFC 4511 §5.1).
    case indefiniteLength
    /// The reserved length octet 0xFF (X.690 §8.1.3.5).
    case reservedLength
    /// Elements inside elements beyond the limit: a guard against exhausting the stack.
    case nestingTooDeep(limit: Int)
    /// A length over the largest message accepted.
    case tooLarge(length: Int, limit: Int)
    /// A tag number that does not fit in 32 bits.
    case tagTooLarge
    /// Bytes left over after the element that should have filled the input.
    case trailingBytes(count: Int)
    /// Well-formed BER that is not what the protocol expects at this place.
    case unexpected(String)

    public var description: String {
        switch self {
        case .truncated: "malformed BER: the input ends inside a tag or length"
        case .lengthBeyondInput(let declared, let available):
            "malformed BER: a length of \(declared) bytes where only \(available) remain"
        case .indefiniteLength: "malformed BER: indefinite length, which LDAP does not allow"
        case .reservedLength: "malformed BER: the reserved length octet 0xFF"
        case .nestingTooDeep(let limit): "malformed BER: nested deeper than \(limit) levels"
        case .tooLarge(let length, let limit): "BER element of \(length) bytes is over the limit of \(limit)"
        case .tagTooLarge: "malformed BER: a tag number over 32 bits"
        case .trailingBytes(let count): "malformed BER: \(count) bytes after the element"
        case .unexpected(let reason): "unexpected BER: \(reason)"
        }
    }
}

/// An identifier and length, read from the front of some bytes.
struct BERHeader: Equatable {
    var tag: BERTag
    var constructed: Bool
    /// Identifier and length octets together.
    var headerLength: Int
    var contentLength: Int

    /// Reads the header at the start of `bytes`; nil when the bytes end before it does (the
    /// framer waits for more, the decoder calls that truncated). A content length over
    /// `maxContentLength` is refused as soon as its octets show it, before anything is buffered.
    static func read<Bytes: RandomAccessCollection>(from bytes: Bytes, maxContentLength: Int) throws -> BERHeader?
    where Bytes.Element == UInt8 {
        func byte(_ offset: Int) -> UInt8? {
            offset < bytes.count ? bytes[bytes.index(bytes.startIndex, offsetBy: offset)] : nil
        }
        guard let first = byte(0) else { return nil }
        let tagClass = BERTagClass(rawValue: first >> 6)!
        let constructed = first & 0x20 != 0
        var number = UInt32(first & 0x1F)
        var offset = 1
        if number == 0x1F {
            number = 0
            while true {
                guard let octet = byte(offset) else { return nil }
                offset += 1
                guard number < 1 << 25 else { throw BERError.tagTooLarge }
                number = number << 7 | UInt32(octet & 0x7F)
                if octet & 0x80 == 0 { break }
            }
        }
        guard let lengthOctet = byte(offset) else { return nil }
        offset += 1
        var length = 0
        switch lengthOctet {
        case 0..<0x80:
            length = Int(lengthOctet)
        case 0x80:
            throw BERError.indefiniteLength
        case 0xFF:
            throw BERError.reservedLength
        default:
            for _ in 0..<Int(lengthOctet & 0x7F) {
                guard let octet = byte(offset) else { return nil }
                offset += 1
                // Checked at every octet, so neither the shift can overflow nor a huge length wait for its body.
                guard length <= Int.max >> 8 else { throw BERError.tooLarge(length: Int.max, limit: maxContentLength) }
                length = length << 8 | Int(octet)
                guard length <= maxContentLength else { throw BERError.tooLarge(length: length, limit: maxContentLength) }
            }
        }
        guard length <= maxContentLength else { throw BERError.tooLarge(length: length, limit: maxContentLength) }
        return BERHeader(tag: BERTag(tagClass, number), constructed: constructed, headerLength: offset, contentLength: length)
    }
}

/// Decodes BER into a tree of elements, refusing malformed input with a `BERError`.
public struct BERDecoder: Sendable {
    public var maxDepth: Int
    public var maxMessageSize: Int

    public init(maxDepth: Int = BER.defaultMaxDepth, maxMessageSize: Int = BER.defaultMaxMessageSize) {
        self.maxDepth = maxDepth
        self.maxMessageSize = maxMessageSize
    }

    /// Exactly one element, which must fill `bytes`.
    public func decode(_ bytes: [UInt8]) throws -> BERElement {
        let (element, end) = try decodeElement(bytes, from: 0, to: bytes.count, depth: 1)
        guard end == bytes.count else { throw BERError.trailingBytes(count: bytes.count - end) }
        return element
    }

    public func decode(_ buffer: ByteBuffer) throws -> BERElement {
        try decode(Array(buffer.readableBytesView))
    }

    /// Whether `bytes` begin with a complete element, and how long it is: nil while more bytes
    /// are needed. This frames LDAP messages on a TCP stream; a header that can never become
    /// valid (indefinite length, a length over the limit) throws at once.
    public static func frameLength<Bytes: RandomAccessCollection>(
        of bytes: Bytes, maxMessageSize: Int = BER.defaultMaxMessageSize
    ) throws -> Int? where Bytes.Element == UInt8 {
        guard let header = try BERHeader.read(from: bytes, maxContentLength: maxMessageSize) else { return nil }
        let total = header.headerLength + header.contentLength
        guard total <= maxMessageSize else { throw BERError.tooLarge(length: total, limit: maxMessageSize) }
        return bytes.count >= total ? total : nil
    }

    /// The element starting at `start`, which must end by `end`, and where it ends.
    private func decodeElement(_ bytes: [UInt8], from start: Int, to end: Int, depth: Int) throws -> (BERElement, Int) {
        guard depth <= maxDepth else { throw BERError.nestingTooDeep(limit: maxDepth) }
        guard let header = try BERHeader.read(from: bytes[start..<end], maxContentLength: maxMessageSize) else {
            throw BERError.truncated
        }
        let contentStart = start + header.headerLength
        let available = end - contentStart
        guard header.contentLength <= available else {
            throw BERError.lengthBeyondInput(declared: header.contentLength, available: available)
        }
        let contentEnd = contentStart + header.contentLength
        guard header.constructed else {
            return (BERElement(tag: header.tag, bytes: Array(bytes[contentStart..<contentEnd])), contentEnd)
        }
        var children: [BERElement] = []
        var next = contentStart
        while next < contentEnd {
            let (child, childEnd) = try decodeElement(bytes, from: next, to: contentEnd, depth: depth + 1)
            children.append(child)
            next = childEnd
        }
        return (BERElement(tag: header.tag, children: children), contentEnd)
    }
}
