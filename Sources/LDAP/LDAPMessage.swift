/// The LDAPMessage envelope (RFC 4511 §4.2.1): a message ID, one protocolOp and optional
/// controls, which this client neither sends nor reads.
///
///     LDAPMessage ::= SEQUENCE { messageID MessageID, protocolOp CHOICE {...}, controls [0] Controls OPTIONAL }
struct LDAPMessage: Sendable, Equatable {
    /// 0 only on an unsolicited notification (RFC 4511 §4.4), such as the server's Notice of
    /// Disconnection; requests count from 1.
    var messageID: Int32
    var response: LDAPResponse

    static func encode(messageID: Int32, _ request: LDAPRequest) -> [UInt8] {
        BERElement.sequence([.integer(Int64(messageID)), request.protocolOp]).encoded()
    }

    init(messageID: Int32, response: LDAPResponse) {
        self.messageID = messageID
        self.response = response
    }

    init(decoding bytes: [UInt8], decoder: BERDecoder = BERDecoder()) throws {
        let fields = try decoder.decode(bytes).expecting(.sequence).childElements()
        guard fields.count >= 2 else {
            throw BERError.unexpected("an LDAPMessage needs a message ID and a protocolOp")
        }
        let messageID = try fields[0].expecting(.integer).integerValue()
        guard (0...Int64(Int32.max)).contains(messageID) else {
            throw BERError.unexpected("message ID \(messageID) is outside 0...\(Int32.max)")
        }
        self.messageID = Int32(messageID)
        self.response = try LDAPResponse(decoding: fields[1])
    }
}
