/// One SearchResultEntry: an entry's DN and the attributes the search asked for.
public struct LDAPEntry: Sendable, Equatable {
    public let dn: String
    /// The values as they arrived, for binary attributes (objectGUID, jpegPhoto, certificates).
    public let rawAttributes: [String: [[UInt8]]]
    /// The values as text; a value that is not UTF-8 has U+FFFD where its odd bytes were.
    public let attributes: [String: [String]]

    /// Attribute names are kept as the server wrote them; `values(of:)` finds them whatever
    /// their case, as LDAP compares attribute descriptions case-insensitively.
    public init(dn: String, rawAttributes: [String: [[UInt8]]]) {
        self.dn = dn
        self.rawAttributes = rawAttributes
        self.attributes = rawAttributes.mapValues { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    public func values(of attribute: String) -> [String] {
        key(for: attribute).flatMap { attributes[$0] } ?? []
    }

    public func rawValues(of attribute: String) -> [[UInt8]] {
        key(for: attribute).flatMap { rawAttributes[$0] } ?? []
    }

    public func firstValue(of attribute: String) -> String? {
        values(of: attribute).first
    }

    private func key(for attribute: String) -> String? {
        if rawAttributes[attribute] != nil { return attribute }
        let wanted = attribute.lowercased()
        return rawAttributes.keys.first { $0.lowercased() == wanted }
    }

    /// SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN,
    ///     attributes SEQUENCE OF SEQUENCE { type AttributeDescription, vals SET OF AttributeValue } }
    init(decoding operation: BERElement) throws {
        let fields = try operation.childElements()
        guard fields.count == 2 else { throw BERError.unexpected("a SearchResultEntry has a DN and an attribute list") }
        var attributes: [String: [[UInt8]]] = [:]
        for attribute in try fields[1].expecting(.sequence).childElements() {
            let parts = try attribute.expecting(.sequence).childElements()
            guard parts.count == 2 else { throw BERError.unexpected("an attribute has a type and a set of values") }
            let type = try parts[0].expecting(.octetString).stringValue()
            let values = try parts[1].expecting(.set).childElements().map { try $0.expecting(.octetString).octetStringValue() }
            // A type listed twice (not allowed, but seen) keeps all its values.
            attributes[type, default: []] += values
        }
        self.init(dn: try fields[0].expecting(.octetString).stringValue(), rawAttributes: attributes)
    }
}
