/// How far below the base a search looks (RFC 4511 §4.5.1.2).
public enum LDAPSearchScope: Int64, Sendable {
    /// The base entry only.
    case base = 0
    /// The base's immediate children (singleLevel).
    case one = 1
    /// The base and everything below it (wholeSubtree).
    case sub = 2
}

/// What a search asks for; see `LDAPClient.search`.
struct LDAPSearch: Sendable, Equatable {
    var base: String
    var scope: LDAPSearchScope
    var filter: LDAPFilter
    /// Empty asks for all user attributes; `["1.1"]` for none (RFC 4511 §4.5.1.8).
    var attributes: [String]
    /// 0 is no limit of the client's own; the server may still have one.
    var sizeLimit: Int32
    /// Seconds; 0 is no limit of the client's own.
    var timeLimit: Int32
}

/// The operations this client sends. No description: a bind carries a password.
enum LDAPRequest: Sendable {
    case bind(dn: String, password: String)
    case search(LDAPSearch)
    case unbind
    case extended(name: String, value: [UInt8]?)

    /// StartTLS's request name (RFC 4511 §4.14.1).
    static let startTLSName = "1.3.6.1.4.1.1466.20037"

    /// For errors and timeouts: which operation it was, never its arguments.
    var operationName: String {
        switch self {
        case .bind: "bind"
        case .search: "search"
        case .unbind: "unbind"
        case .extended(let name, _): name == Self.startTLSName ? "StartTLS" : "extended operation \(name)"
        }
    }

    /// Unbind has no response: the server just closes the connection (RFC 4511 §4.3).
    var expectsResponse: Bool {
        if case .unbind = self { false } else { true }
    }

    /// The protocolOp of the LDAPMessage.
    var protocolOp: BERElement {
        switch self {
        case .bind(let dn, let password):
            // BindRequest ::= [APPLICATION 0] SEQUENCE { version INTEGER, name LDAPDN,
            //     authentication CHOICE { simple [0] OCTET STRING, ... } }
            BERElement(tag: .application(0), children: [
                .integer(3),
                .octetString(dn),
                .octetString(password, tag: .context(0)),
            ])
        case .search(let search):
            // SearchRequest ::= [APPLICATION 3] SEQUENCE { baseObject, scope, derefAliases,
            //     sizeLimit, timeLimit, typesOnly, filter, attributes }
            BERElement(tag: .application(3), children: [
                .octetString(search.base),
                .enumerated(search.scope.rawValue),
                .enumerated(0), // derefAliases: neverDerefAliases
                .integer(Int64(search.sizeLimit)),
                .integer(Int64(search.timeLimit)),
                .boolean(false), // typesOnly: values too
                search.filter.berElement,
                .sequence(search.attributes.map { BERElement.octetString($0) }),
            ])
        case .unbind:
            // UnbindRequest ::= [APPLICATION 2] NULL
            .null(tag: .application(2))
        case .extended(let name, let value):
            // ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID,
            //     requestValue [1] OCTET STRING OPTIONAL }
            BERElement(tag: .application(23), children: Self.extendedFields(name: name, value: value))
        }
    }

    private static func extendedFields(name: String, value: [UInt8]?) -> [BERElement] {
        var fields: [BERElement] = [.octetString(name, tag: .context(0))]
        if let value { fields.append(.octetString(value, tag: .context(1))) }
        return fields
    }
}
