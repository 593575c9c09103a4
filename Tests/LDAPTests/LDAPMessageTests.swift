import Testing
@testable import LDAP

/// Requests compared with byte listings worked out by hand from RFC 4511's ASN.1, and
/// responses decoded from listings built the same way.
@Suite struct LDAPMessageTests {
    // MARK: - Requests

    @Test func bindRequestBytes() {
        // 30 12            LDAPMessage, 18 bytes
        //   02 01 01       messageID 1
        //   60 0d          [APPLICATION 0] BindRequest, 13 bytes
        //     02 01 03     version 3
        //     04 04 cn=a   name
        //     80 02 pw     simple [0]
        let expected = hex("30 12 02 01 01 60 0d 02 01 03 04 04 63 6e 3d 61 80 02 70 77")
        #expect(LDAPMessage.encode(messageID: 1, .bind(dn: "cn=a", password: "pw")) == expected)
    }

    @Test func unbindRequestBytes() {
        // UnbindRequest ::= [APPLICATION 2] NULL: 42 00
        #expect(LDAPMessage.encode(messageID: 7, .unbind) == hex("30 05 02 01 07 42 00"))
        #expect(!LDAPRequest.unbind.expectsResponse)
    }

    @Test func startTLSRequestBytes() {
        // [APPLICATION 23] { requestName [0] "1.3.6.1.4.1.1466.20037" (22 bytes) }, no value
        let expected = hex("30 1d 02 01 01 77 18 80 16") + Array("1.3.6.1.4.1.1466.20037".utf8)
        #expect(LDAPMessage.encode(messageID: 1, .extended(name: LDAPRequest.startTLSName, value: nil)) == expected)
        #expect(LDAPRequest.extended(name: LDAPRequest.startTLSName, value: nil).operationName == "StartTLS")
    }

    @Test func searchRequestBytes() {
        let search = LDAPSearch(base: "dc=t", scope: .sub, filter: .present(attribute: "cn"), attributes: ["cn", "mail"],
                                sizeLimit: 2, timeLimit: 10)
        // 30 2a 02 01 02 63 25
        //   04 04 dc=t       baseObject
        //   0a 01 02         scope wholeSubtree
        //   0a 01 00         derefAliases never
        //   02 01 02         sizeLimit 2
        //   02 01 0a         timeLimit 10
        //   01 01 00         typesOnly FALSE
        //   87 02 cn         filter (cn=*)
        //   30 0a 04 02 cn 04 04 mail
        let expected = hex("""
            30 2a 02 01 02 63 25 04 04 64 63 3d 74 0a 01 02 0a 01 00 02 01 02 02 01 0a 01 01 00
            87 02 63 6e 30 0a 04 02 63 6e 04 04 6d 61 69 6c
            """)
        #expect(LDAPMessage.encode(messageID: 2, .search(search)) == expected)
    }

    @Test func largeMessageIDsAndLimitsEncode() throws {
        let bytes = LDAPMessage.encode(messageID: Int32.max, .unbind)
        #expect(bytes == hex("30 08 02 04 7f ff ff ff 42 00"))
        let search = LDAPSearch(base: "", scope: .base, filter: .present(attribute: "objectClass"), attributes: ["1.1"],
                                sizeLimit: 500, timeLimit: 0)
        let decoded = try BERDecoder().decode(LDAPMessage.encode(messageID: 300, .search(search)))
        #expect(try decoded.children?[0].integerValue() == 300)
        #expect(try decoded.children?[1].children?[3].integerValue() == 500)
    }

    // MARK: - Responses

    @Test func decodesASearchResultEntry() throws {
        // 30 4f 02 01 02 64 4a                      messageID 2, [APPLICATION 4]
        //   04 0e uid=alice,dc=t                    objectName
        //   30 38                                   attributes
        //     30 0d 04 02 cn 31 07 04 05 Alice
        //     30 18 04 08 memberOf 31 0c 04 04 cn=a 04 04 cn=b
        //     30 0d 04 05 photo 31 04 04 02 ff d8
        let bytes = hex("""
            30 4f 02 01 02 64 4a 04 0e 75 69 64 3d 61 6c 69 63 65 2c 64 63 3d 74 30 38
            30 0d 04 02 63 6e 31 07 04 05 41 6c 69 63 65
            30 18 04 08 6d 65 6d 62 65 72 4f 66 31 0c 04 04 63 6e 3d 61 04 04 63 6e 3d 62
            30 0d 04 05 70 68 6f 74 6f 31 04 04 02 ff d8
            """)
        let message = try LDAPMessage(decoding: bytes)
        #expect(message.messageID == 2)
        guard case .searchEntry(let entry) = message.response else {
            Issue.record("expected an entry, got \(message.response)")
            return
        }
        #expect(entry.dn == "uid=alice,dc=t")
        #expect(entry.attributes["cn"] == ["Alice"])
        #expect(entry.values(of: "memberof") == ["cn=a", "cn=b"])
        #expect(entry.firstValue(of: "CN") == "Alice")
        #expect(entry.rawValues(of: "photo") == [[0xFF, 0xD8]])
        #expect(entry.values(of: "photo") == ["\u{FFFD}\u{FFFD}"])
        #expect(entry.values(of: "mail") == [])
        #expect(message.response.finalResult == nil)
    }

    @Test func decodesResults() throws {
        let failedBind = try LDAPMessage(decoding: hex("30 0e 02 01 01 61 09 0a 01 31 04 00 04 02 6e 6f"))
        #expect(failedBind == LDAPMessage(messageID: 1, response: .bind(LDAPResult(resultCode: .invalidCredentials, diagnosticMessage: "no"))))

        let done = try LDAPMessage(decoding: hex("30 0c 02 01 01 65 07 0a 01 00 04 00 04 00"))
        #expect(done.response == .searchDone(LDAPResult(resultCode: .success)))

        let noSuchObject = try LDAPMessage(decoding: hex("30 10 02 01 01 65 0b 0a 01 20 04 04 64 63 3d 74 04 00"))
        #expect(noSuchObject.response.finalResult == LDAPResult(resultCode: .noSuchObject, matchedDN: "dc=t"))

        let referral = try LDAPMessage(decoding: hex("30 19 02 01 01 65 14 0a 01 0a 04 00 04 00 a3 0b 04 09 6c 64 61 70 3a 2f 2f 62 2f"))
        #expect(referral.response.finalResult == LDAPResult(resultCode: .referral, referrals: ["ldap://b/"]))

        let reference = try LDAPMessage(decoding: hex("30 18 02 01 01 73 13 04 11") + Array("ldap://other/dc=t".utf8))
        #expect(reference.response == .searchReference(["ldap://other/dc=t"]))
    }

    @Test func decodesExtendedResponses() throws {
        let startTLS = try LDAPMessage(decoding: hex("30 24 02 01 01 78 1f 0a 01 00 04 00 04 00 8a 16") + Array("1.3.6.1.4.1.1466.20037".utf8))
        #expect(startTLS.response == .extended(LDAPResult(resultCode: .success), name: "1.3.6.1.4.1.1466.20037", value: nil))
        // The Notice of Disconnection: message ID 0, unavailable, "bye".
        let notice = try LDAPMessage(decoding: hex("30 27 02 01 00 78 22 0a 01 34 04 00 04 03 62 79 65 8a 16") + Array("1.3.6.1.4.1.1466.20036".utf8))
        #expect(notice.messageID == 0)
        #expect(notice.response.finalResult == LDAPResult(resultCode: .unavailable, diagnosticMessage: "bye"))
    }

    @Test func refusesMessagesThatAreNotLDAP() throws {
        let notLDAP = [
            "04 00", // not a SEQUENCE
            "30 03 02 01 01", // no protocolOp
            "30 07 02 01 01 61 02 0a 00", // LDAPResult cut short
            "30 0c 02 01 01 61 07 04 01 00 04 00 04 00", // resultCode not ENUMERATED
            "30 0f 02 04 80 00 00 00 65 07 0a 01 00 04 00 04 00", // negative message ID
            "30 0c 02 01 01 a5 07 0a 01 00 04 00 04 00", // protocolOp not an application tag
            "30 08 02 01 01 64 03 04 01 61", // entry without attributes
            "30 0e 02 01 01 64 09 04 01 61 30 04 30 02 04 00", // attribute without values
        ]
        for text in notLDAP {
            #expect(throws: BERError.self, "\(text)") { try LDAPMessage(decoding: hex(text)) }
        }
        // An answer to an operation this client never sends is kept as what it is.
        #expect(try LDAPMessage(decoding: hex("30 0c 02 01 01 67 07 0a 01 00 04 00 04 00")).response == .other(tag: .application(7)))
    }

    @Test func resultCodesHaveNames() {
        #expect(LDAPResultCode.invalidCredentials.description == "invalidCredentials (49)")
        #expect(LDAPResultCode(rawValue: 4096).description == "result code 4096")
        #expect(LDAPResult(resultCode: .busy, diagnosticMessage: "later").description == "busy (51): later")
        #expect(LDAPError.failed(operation: "bind", result: LDAPResult(resultCode: .invalidCredentials)).resultCode == .invalidCredentials)
        #expect(LDAPError.emptyCredentials.resultCode == nil)
    }
}
