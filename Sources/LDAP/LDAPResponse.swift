/// A protocolOp the server sent, read out of its BER.
enum LDAPResponse: Sendable, Equatable {
    case bind(LDAPResult)
    case searchEntry(LDAPEntry)
    /// A continuation reference: URIs of other servers. Ignored by the client, which does not
    /// chase referrals.
    case searchReference([String])
    case searchDone(LDAPResult)
    case extended(LDAPResult, name: String?, value: [UInt8]?)
    /// The answer to an operation this client never sends (modify, add, compare...).
    case other(tag: BERTag)

    /// The result of an operation's last message; nil for entries and references, which come before it.
    var finalResult: LDAPResult? {
        switch self {
        case .bind(let result), .searchDone(let result), .extended(let result, _, _): result
        case .searchEntry, .searchReference, .other: nil
        }
    }

    init(decoding operation: BERElement) throws {
        guard operation.tag.tagClass == .application else {
            throw BERError.unexpected("a protocolOp is \(operation.tag), not an application tag")
        }
        switch operation.tag.number {
        case 1: // BindResponse ::= [APPLICATION 1] SEQUENCE { COMPONENTS OF LDAPResult, serverSaslCreds [7] OPTIONAL }
            self = .bind(try LDAPResult(components: try operation.childElements()))
        case 4:
            self = .searchEntry(try LDAPEntry(decoding: operation))
        case 5: // SearchResultDone ::= [APPLICATION 5] LDAPResult
            self = .searchDone(try LDAPResult(components: try operation.childElements()))
        case 19: // SearchResultReference ::= [APPLICATION 19] SEQUENCE SIZE (1..MAX) OF uri URI
            self = .searchReference(try operation.childElements().map { try $0.stringValue() })
        case 24: // ExtendedResponse ::= [APPLICATION 24] SEQUENCE { COMPONENTS OF LDAPResult,
                 //     responseName [10] LDAPOID OPTIONAL, responseValue [11] OCTET STRING OPTIONAL }
            let fields = try operation.childElements()
            let result = try LDAPResult(components: fields)
            let rest = fields.dropFirst(3)
            self = .extended(
                result,
                name: try rest.first(where: { $0.tag == .context(10) }).map { try $0.stringValue() },
                value: try rest.first(where: { $0.tag == .context(11) }).map { try $0.octetStringValue() }
            )
        default:
            self = .other(tag: operation.tag)
        }
    }
}
