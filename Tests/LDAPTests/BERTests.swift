import Testing
@testable import LDAP

@Suite struct BERTests {
    let decoder = BERDecoder()

    @Test func integersUseTheShortestTwosComplement() throws {
        let cases: [(Int64, String)] = [
            (0, "02 01 00"), (127, "02 01 7f"), (128, "02 02 00 80"), (255, "02 02 00 ff"), (256, "02 02 01 00"),
            (-1, "02 01 ff"), (-128, "02 01 80"), (-129, "02 02 ff 7f"),
            (Int64.max, "02 08 7f ff ff ff ff ff ff ff"), (Int64.min, "02 08 80 00 00 00 00 00 00 00"),
        ]
        for (value, encoding) in cases {
            let element = BERElement.integer(value)
            #expect(element.encoded() == hex(encoding), "\(value)")
            #expect(try decoder.decode(hex(encoding)).integerValue() == value)
        }
    }

    @Test func primitivesRoundTrip() throws {
        let elements: [BERElement] = [
            .boolean(true), .boolean(false), .null(), .enumerated(2), .octetString(""), .octetString("dc=berth,dc=test"),
            .octetString([0x00, 0xFF, 0x80]), .null(tag: .application(2)), .octetString("pw", tag: .context(0)),
        ]
        for element in elements {
            #expect(try decoder.decode(element.encoded()) == element)
        }
        #expect(BERElement.boolean(true).encoded() == hex("01 01 ff"))
        #expect(BERElement.null(tag: .application(2)).encoded() == hex("42 00"))
        #expect(BERElement.octetString("pw", tag: .context(0)).encoded() == hex("80 02 70 77"))
        // BER reads any non-zero octet as TRUE.
        #expect(try decoder.decode(hex("01 01 01")).booleanValue() == true)
    }

    @Test func constructedElementsRoundTrip() throws {
        let tree = BERElement.sequence([
            .integer(5),
            BERElement(tag: .application(3), children: [
                .set([.octetString("a"), .octetString("b")]),
                BERElement(tag: .context(0), children: []),
                BERElement(tag: BERTag(.private, 1), bytes: [1]),
            ]),
        ])
        let bytes = tree.encoded()
        #expect(bytes == hex("30 12 02 01 05 63 0d 31 06 04 01 61 04 01 62 a0 00 c1 01 01"))
        let decoded = try decoder.decode(bytes)
        #expect(decoded == tree)
        #expect(decoded.isConstructed)
        #expect(decoded.children?[1].tag == .application(3))
        #expect(decoded.children?[1].children?[2].tag.tagClass == .private)
    }

    @Test func highTagNumbersTakeBase128() throws {
        let element = BERElement(tag: .context(200), bytes: [7])
        // 200 = 1 * 128 + 72: 0x81 0x48 after the 0x1F marker.
        #expect(element.encoded() == hex("9f 81 48 01 07"))
        #expect(try decoder.decode(element.encoded()) == element)
        let thirtyOne = BERElement(tag: .application(31), children: [])
        #expect(thirtyOne.encoded() == hex("7f 1f 00"))
        #expect(try decoder.decode(thirtyOne.encoded()) == thirtyOne)
    }

    @Test func longFormLengths() throws {
        let long = BERElement.octetString([UInt8](repeating: 0x61, count: 200))
        #expect(Array(long.encoded().prefix(3)) == hex("04 81 c8"))
        #expect(try decoder.decode(long.encoded()) == long)
        let longer = BERElement.octetString([UInt8](repeating: 0x62, count: 300))
        #expect(Array(longer.encoded().prefix(4)) == hex("04 82 01 2c"))
        #expect(try decoder.decode(longer.encoded()) == longer)
        let big = BERElement.octetString([UInt8](repeating: 0, count: 70_000))
        #expect(Array(big.encoded().prefix(5)) == hex("04 83 01 11 70"))
        #expect(try decoder.decode(big.encoded()) == big)
        // BER (unlike DER) allows more length octets than needed.
        #expect(try decoder.decode(hex("04 82 00 02 68 69")).stringValue() == "hi")
        #expect(try decoder.decode(hex("04 81 01 78")).stringValue() == "x")
    }

    // MARK: - Malformed input

    @Test func truncatedHeadersAreRefused() {
        #expect(throws: BERError.truncated) { try decoder.decode([]) }
        #expect(throws: BERError.truncated) { try decoder.decode(hex("30")) }
        #expect(throws: BERError.truncated) { try decoder.decode(hex("30 82 01")) }
        #expect(throws: BERError.truncated) { try decoder.decode(hex("9f 81")) }
    }

    @Test func lengthsBeyondTheInputAreRefused() {
        #expect(throws: BERError.lengthBeyondInput(declared: 5, available: 2)) { try decoder.decode(hex("04 05 01 02")) }
        // A child longer than its parent, though the input would hold it.
        #expect(throws: BERError.lengthBeyondInput(declared: 5, available: 1)) { try decoder.decode(hex("30 03 04 05 00 01 02 03 04")) }
    }

    @Test func indefiniteAndReservedLengthsAreRefused() {
        #expect(throws: BERError.indefiniteLength) { try decoder.decode(hex("30 80 04 00 00 00")) }
        #expect(throws: BERError.reservedLength) { try decoder.decode(hex("04 ff 00")) }
    }

    @Test func nestingIsLimited() throws {
        func nested(_ depth: Int) -> [UInt8] {
            var element = BERElement.null()
            for _ in 1..<depth { element = .sequence([element]) }
            return element.encoded()
        }
        #expect(throws: Never.self) { try decoder.decode(nested(32)) }
        #expect(throws: BERError.nestingTooDeep(limit: 32)) { try decoder.decode(nested(33)) }
        #expect(throws: BERError.nestingTooDeep(limit: 4)) { try BERDecoder(maxDepth: 4).decode(nested(5)) }
        // A run of SEQUENCE headers fails on its lengths (each child is longer than its parent).
        #expect(throws: BERError.self) { try decoder.decode([UInt8](repeating: 0x30, count: 100_000)) }
    }

    @Test func lengthsOverTheMaximumAreRefused() {
        // 16 MiB + 1, declared with nothing behind it: refused from the header alone.
        #expect(throws: BERError.tooLarge(length: (16 << 20) + 1, limit: 16 << 20)) { try decoder.decode(hex("04 84 01 00 00 01")) }
        #expect(throws: BERError.tooLarge(length: 101, limit: 100)) { try BERDecoder(maxMessageSize: 100).decode(hex("04 65") + [UInt8](repeating: 0, count: 101)) }
        // Nine length octets would overflow 64 bits; refused before it can.
        #expect(throws: BERError.self) { try decoder.decode(hex("04 89 ff ff ff ff ff ff ff ff ff")) }
        #expect(throws: BERError.self) { try decoder.decode(hex("04 fe") + [UInt8](repeating: 0xff, count: 126)) }
    }

    @Test func otherMalformedInput() {
        #expect(throws: BERError.tagTooLarge) { try decoder.decode(hex("1f ff ff ff ff 7f 00")) }
        #expect(throws: BERError.trailingBytes(count: 1)) { try decoder.decode(hex("05 00 00")) }
        #expect(throws: BERError.self) { try decoder.decode(hex("02 00")).integerValue() }
        #expect(throws: BERError.self) { try decoder.decode(hex("02 09 01 02 03 04 05 06 07 08 09")).integerValue() }
        #expect(throws: BERError.self) { try decoder.decode(hex("01 02 00 00")).booleanValue() }
        #expect(throws: BERError.self) { try decoder.decode(hex("24 03 04 01 61")).octetStringValue() }
        #expect(throws: BERError.self) { try decoder.decode(hex("04 01 61")).childElements() }
        #expect(throws: BERError.self) { try decoder.decode(hex("04 01 61")).expecting(.integer) }
    }

    /// Junk, and every cut of a valid message, either decodes or throws a BERError: no trap,
    /// no other error.
    @Test func arbitraryBytesNeverTrap() throws {
        var junk = JunkBytes(seed: 4511)
        for length in 0..<2_000 {
            let bytes = junk.next(length % 64)
            do { _ = try decoder.decode(bytes) } catch { #expect(error is BERError) }
            do { _ = try BERDecoder.frameLength(of: bytes) } catch { #expect(error is BERError) }
        }
        let message = BERElement.sequence([.integer(9), BERElement(tag: .application(4), children: [
            .octetString("uid=alice"), .sequence([.sequence([.octetString("cn"), .set([.octetString("Alice")])])]),
        ])]).encoded()
        for cut in 0..<message.count {
            #expect(throws: BERError.self) { try decoder.decode(Array(message.prefix(cut))) }
            #expect(try BERDecoder.frameLength(of: message.prefix(cut)) == nil)
        }
    }

    // MARK: - Framing a stream

    @Test func frameLengthWaitsForWholeMessages() throws {
        let message = hex("30 0c 02 01 01 65 07 0a 01 00 04 00 04 00")
        #expect(try BERDecoder.frameLength(of: [UInt8]()) == nil)
        #expect(try BERDecoder.frameLength(of: message.prefix(1)) == nil)
        #expect(try BERDecoder.frameLength(of: message.prefix(13)) == nil)
        #expect(try BERDecoder.frameLength(of: message) == 14)
        #expect(try BERDecoder.frameLength(of: message + Array(message.prefix(5))) == 14)
        #expect(try BERDecoder.frameLength(of: hex("30 82 01")) == nil)
        #expect(try BERDecoder.frameLength(of: hex("30 82 01 00") + [UInt8](repeating: 0, count: 255)) == nil)
        #expect(try BERDecoder.frameLength(of: hex("30 82 01 00") + [UInt8](repeating: 0, count: 256)) == 260)
    }

    @Test func frameLengthRefusesHopelessHeaders() {
        #expect(throws: BERError.indefiniteLength) { try BERDecoder.frameLength(of: hex("30 80")) }
        #expect(throws: BERError.self) { try BERDecoder.frameLength(of: hex("30 84 7f ff ff ff")) }
        // The limit counts the header too.
        #expect(throws: BERError.tooLarge(length: 102, limit: 100)) { try BERDecoder.frameLength(of: hex("30 64"), maxMessageSize: 100) }
    }
}
