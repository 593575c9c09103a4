/// Why a filter string is not an RFC 4515 filter, and where (a byte offset into its UTF-8).
public struct LDAPFilterError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    public let filter: String

    public var description: String {
        "invalid LDAP filter \(filter) at character \(offset + 1): \(reason)"
    }
}

/// RFC 4515's grammar, read byte by byte over the filter's UTF-8. Strict where leniency would
/// hide a mistake: parentheses are required, `&` and `|` need at least one filter, a backslash
/// takes exactly two hex digits, and `*` outside an equality filter must be escaped.
struct LDAPFilterParser {
    /// Filters nested deeper than this are refused (as in BER decoding, to keep recursion bounded).
    static let maxDepth = 32

    private let filter: String
    private let bytes: [UInt8]
    private var index: Int

    static func parse(_ string: String) throws -> LDAPFilter {
        var parser = LDAPFilterParser(string)
        parser.skipSpaces()
        let result = try parser.parseFilter(depth: 1)
        parser.skipSpaces()
        guard parser.index == parser.bytes.count else { throw parser.error("text after the filter's closing parenthesis") }
        return result
    }

    private init(_ filter: String) {
        self.filter = filter
        self.bytes = Array(filter.utf8)
        self.index = 0
    }

    // filter = "(" filtercomp ")"; filtercomp = and / or / not / item
    private mutating func parseFilter(depth: Int) throws -> LDAPFilter {
        guard depth <= Self.maxDepth else { throw error("filters nested deeper than \(Self.maxDepth)") }
        try expect("(", "a filter must be enclosed in parentheses")
        let result: LDAPFilter
        // 0 stands for the end of input here: it is none of &, | and !, and parseItem reports it.
        switch peek() ?? 0 {
        case UInt8(ascii: "&"):
            index += 1
            result = .and(try parseList(depth: depth))
        case UInt8(ascii: "|"):
            index += 1
            result = .or(try parseList(depth: depth))
        case UInt8(ascii: "!"):
            index += 1
            result = .not(try parseFilter(depth: depth + 1))
        default:
            result = try parseItem()
        }
        try expect(")", "a filter must end with a closing parenthesis")
        return result
    }

    // filterlist = 1*filter
    private mutating func parseList(depth: Int) throws -> [LDAPFilter] {
        var filters: [LDAPFilter] = []
        while peek() == UInt8(ascii: "(") {
            filters.append(try parseFilter(depth: depth + 1))
        }
        guard !filters.isEmpty else { throw error("& and | need at least one filter") }
        return filters
    }

    // item = simple / present / substring / extensible
    private mutating func parseItem() throws -> LDAPFilter {
        let attribute = readName()
        guard let operatorByte = peek() else { throw error("the filter ends after the attribute") }
        if operatorByte == UInt8(ascii: ":") {
            return try parseExtensible(attribute: attribute)
        }
        guard Self.isValidAttribute(attribute) else {
            throw error(attribute.isEmpty ? "an attribute name is missing" : "\(attribute) is not an attribute description")
        }
        switch operatorByte {
        case UInt8(ascii: "="):
            index += 1
            return try parseEqualityOrSubstrings(attribute: attribute)
        case UInt8(ascii: ">"), UInt8(ascii: "<"), UInt8(ascii: "~"):
            index += 1
            try expect("=", "expected = after \(Character(Unicode.Scalar(operatorByte)))")
            let value = try parseSingleValue()
            switch operatorByte {
            case UInt8(ascii: ">"): return .greaterOrEqual(attribute: attribute, value: value)
            case UInt8(ascii: "<"): return .lessOrEqual(attribute: attribute, value: value)
            default: return .approximate(attribute: attribute, value: value)
            }
        default:
            throw error("expected =, >=, <=, ~= or : after the attribute")
        }
    }

    // present = attr "=*"; substring = attr "=" [initial] any [final]; equal = attr "=" value
    private mutating func parseEqualityOrSubstrings(attribute: String) throws -> LDAPFilter {
        let parts = try parseValueParts()
        if parts.count == 1 {
            return .equality(attribute: attribute, value: parts[0])
        }
        if parts.count == 2, parts[0].isEmpty, parts[1].isEmpty {
            return .present(attribute: attribute)
        }
        let any = Array(parts.dropFirst().dropLast())
        guard !any.contains(where: \.isEmpty) else { throw error("two * in a row") }
        return .substrings(attribute: attribute, initial: parts.first!.isEmpty ? nil : parts.first!,
                           any: any, final: parts.last!.isEmpty ? nil : parts.last!)
    }

    // extensible = attr [":dn"] [":" rule] ":=" value / [":dn"] ":" rule ":=" value
    private mutating func parseExtensible(attribute: String) throws -> LDAPFilter {
        guard attribute.isEmpty || Self.isValidAttribute(attribute) else {
            throw error("\(attribute) is not an attribute description")
        }
        var dnAttributes = false
        var matchingRule: String?
        while true {
            try expect(":", "expected :")
            if peek() == UInt8(ascii: "=") {
                index += 1
                break
            }
            let token = readName()
            if token.lowercased() == "dn", !dnAttributes, matchingRule == nil {
                dnAttributes = true
            } else if matchingRule == nil, Self.isValidAttribute(token), !token.contains(";") {
                matchingRule = token
            } else {
                throw error(token.isEmpty ? "expected dn, a matching rule or :=" : "unexpected \(token) in an extensible match")
            }
        }
        guard !attribute.isEmpty || matchingRule != nil else {
            throw error("an extensible match without an attribute needs a matching rule")
        }
        return .extensible(matchingRule: matchingRule, attribute: attribute.isEmpty ? nil : attribute,
                           value: try parseSingleValue(), dnAttributes: dnAttributes)
    }

    /// A value in which `*` has no meaning, so an unescaped one is a mistake.
    private mutating func parseSingleValue() throws -> [UInt8] {
        let start = index
        let parts = try parseValueParts()
        guard parts.count == 1 else {
            index = start
            throw error("* is only a wildcard after =; write \\2a for a literal *")
        }
        return parts[0]
    }

    /// The assertion value up to the closing parenthesis, split at each unescaped `*`, with
    /// escapes decoded.
    private mutating func parseValueParts() throws -> [[UInt8]] {
        var parts: [[UInt8]] = [[]]
        while let byte = peek(), byte != UInt8(ascii: ")") {
            switch byte {
            case UInt8(ascii: "*"):
                parts.append([])
                index += 1
            case UInt8(ascii: "\\"):
                guard index + 2 < bytes.count, let high = Self.hexValue(bytes[index + 1]), let low = Self.hexValue(bytes[index + 2]) else {
                    throw error("a backslash must be followed by two hex digits")
                }
                parts[parts.count - 1].append(high << 4 | low)
                index += 3
            case UInt8(ascii: "("), 0:
                throw error("( and NUL must be escaped in a value (\\28, \\00)")
            default:
                parts[parts.count - 1].append(byte)
                index += 1
            }
        }
        return parts
    }

    // MARK: - Small pieces

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func expect(_ character: Unicode.Scalar, _ reason: @autoclosure () -> String) throws {
        guard peek() == UInt8(ascii: character) else { throw error(reason()) }
        index += 1
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            index += 1
        }
    }

    /// Letters, digits, `-`, `.` and `;`: what attribute descriptions, OIDs and options are made of.
    private mutating func readName() -> String {
        let start = index
        while let byte = peek(), Self.isNameByte(byte) {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ";"):
            true
        default:
            false
        }
    }

    /// A descr (`cn`, `userPassword`) or numeric OID (`2.5.4.3`), with options (`;binary`):
    /// it starts with a letter or digit and no option is empty.
    private static func isValidAttribute(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        let startsWell = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        return startsWell && !name.split(separator: ";", omittingEmptySubsequences: false).contains(where: \.isEmpty)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private func error(_ reason: String) -> LDAPFilterError {
        LDAPFilterError(reason: reason, offset: index, filter: filter)
    }
}
