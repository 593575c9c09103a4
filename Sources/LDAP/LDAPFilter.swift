/// A search filter (RFC 4511 §4.5.1.7): parsed from the RFC 4515 string form that operators
/// write in configuration, encoded to BER for the SearchRequest.
///
/// Assertion values are bytes, not strings: an escape such as `\00\04` may spell bytes that
/// are not UTF-8 (binary attributes such as objectGUID are searched that way).
public enum LDAPFilter: Sendable, Equatable {
    case and([LDAPFilter])
    case or([LDAPFilter])
    indirect case not(LDAPFilter)
    case equality(attribute: String, value: [UInt8])
    /// `(cn=a*b*c)`: at least one of the parts is present; `any` parts are never empty.
    case substrings(attribute: String, initial: [UInt8]?, any: [[UInt8]], final: [UInt8]?)
    case greaterOrEqual(attribute: String, value: [UInt8])
    case lessOrEqual(attribute: String, value: [UInt8])
    /// `(attr=*)`
    case present(attribute: String)
    /// `(attr~=value)`
    case approximate(attribute: String, value: [UInt8])
    /// `(attr:dn:rule:=value)`; Active Directory's nested-group search
    /// (`memberOf:1.2.840.113556.1.4.1941:=`) is one of these.
    case extensible(matchingRule: String?, attribute: String?, value: [UInt8], dnAttributes: Bool)

    /// Parses an RFC 4515 filter such as `(&(objectClass=person)(uid=alice))`. Whitespace
    /// around the whole filter is ignored; inside it every character counts.
    public init(parsing string: String) throws {
        self = try LDAPFilterParser.parse(string)
    }

    /// `value` with the characters that have a meaning in a filter (`*`, `(`, `)`, `\` and NUL)
    /// written as RFC 4515 escapes, so that user input such as a login name can be put into a
    /// filter without changing its shape: `*)(uid=*` stays one literal value, it cannot widen
    /// the search or add a clause.
    public static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "*": escaped += "\\2a"
            case "(": escaped += "\\28"
            case ")": escaped += "\\29"
            case "\\": escaped += "\\5c"
            case "\0": escaped += "\\00"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}

// MARK: - BER (RFC 4511 §4.5.1, the Filter CHOICE)

extension LDAPFilter {
    public var berElement: BERElement {
        switch self {
        case .and(let filters):
            BERElement(tag: .context(0), children: filters.map(\.berElement))
        case .or(let filters):
            BERElement(tag: .context(1), children: filters.map(\.berElement))
        case .not(let filter):
            BERElement(tag: .context(2), children: [filter.berElement])
        case .equality(let attribute, let value):
            Self.assertion(tag: 3, attribute, value)
        case .substrings(let attribute, let initial, let any, let final):
            Self.substringFilter(attribute, initial: initial, any: any, final: final)
        case .greaterOrEqual(let attribute, let value):
            Self.assertion(tag: 5, attribute, value)
        case .lessOrEqual(let attribute, let value):
            Self.assertion(tag: 6, attribute, value)
        case .present(let attribute):
            .octetString(attribute, tag: .context(7))
        case .approximate(let attribute, let value):
            Self.assertion(tag: 8, attribute, value)
        case .extensible(let matchingRule, let attribute, let value, let dnAttributes):
            Self.matchingRuleAssertion(matchingRule, attribute, value, dnAttributes)
        }
    }

    /// AttributeValueAssertion under the CHOICE's tag.
    private static func assertion(tag: UInt32, _ attribute: String, _ value: [UInt8]) -> BERElement {
        BERElement(tag: .context(tag), children: [.octetString(attribute), .octetString(value)])
    }

    /// SubstringFilter: the type, then initial [0], any [1]... and final [2] in that order.
    private static func substringFilter(_ attribute: String, initial: [UInt8]?, any: [[UInt8]], final: [UInt8]?) -> BERElement {
        var parts: [BERElement] = []
        if let initial { parts.append(.octetString(initial, tag: .context(0))) }
        for part in any { parts.append(.octetString(part, tag: .context(1))) }
        if let final { parts.append(.octetString(final, tag: .context(2))) }
        return BERElement(tag: .context(4), children: [.octetString(attribute), .sequence(parts)])
    }

    /// MatchingRuleAssertion; dnAttributes is DEFAULT FALSE, so FALSE is left out.
    private static func matchingRuleAssertion(_ matchingRule: String?, _ attribute: String?, _ value: [UInt8], _ dnAttributes: Bool) -> BERElement {
        var fields: [BERElement] = []
        if let matchingRule { fields.append(.octetString(matchingRule, tag: .context(1))) }
        if let attribute { fields.append(.octetString(attribute, tag: .context(2))) }
        fields.append(.octetString(value, tag: .context(3)))
        if dnAttributes { fields.append(.boolean(true, tag: .context(4))) }
        return BERElement(tag: .context(9), children: fields)
    }
}

// MARK: - The string form again, for logs and error messages

extension LDAPFilter: CustomStringConvertible {
    public var description: String {
        switch self {
        case .and(let filters): "(&" + filters.map(\.description).joined() + ")"
        case .or(let filters): "(|" + filters.map(\.description).joined() + ")"
        case .not(let filter): "(!" + filter.description + ")"
        case .equality(let attribute, let value): "(\(attribute)=\(Self.written(value)))"
        case .substrings(let attribute, let initial, let any, let final):
            "(\(attribute)=\(Self.written(initial ?? []))*\(any.map { Self.written($0) + "*" }.joined())\(Self.written(final ?? [])))"
        case .greaterOrEqual(let attribute, let value): "(\(attribute)>=\(Self.written(value)))"
        case .lessOrEqual(let attribute, let value): "(\(attribute)<=\(Self.written(value)))"
        case .present(let attribute): "(\(attribute)=*)"
        case .approximate(let attribute, let value): "(\(attribute)~=\(Self.written(value)))"
        case .extensible(let matchingRule, let attribute, let value, let dnAttributes):
            "(\(attribute ?? "")\(dnAttributes ? ":dn" : "")\(matchingRule.map { ":" + $0 } ?? ""):=\(Self.written(value)))"
        }
    }

    /// A value in the string form: printable ASCII as it is, every other byte and the special
    /// characters escaped, so the result always parses back to the same bytes.
    private static func written(_ value: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in value {
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"):
                out += [UInt8(ascii: "\\"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            case 0x20...0x7E:
                out.append(byte)
            default:
                out += [UInt8(ascii: "\\"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
