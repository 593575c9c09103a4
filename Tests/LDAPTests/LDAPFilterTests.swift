import Testing
@testable import LDAP

@Suite struct LDAPFilterTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: - Parsing

    @Test func parsesTheItemKinds() throws {
        let cases: [(String, LDAPFilter)] = [
            ("(uid=alice)", .equality(attribute: "uid", value: bytes("alice"))),
            ("(cn=)", .equality(attribute: "cn", value: [])),
            ("(objectClass=*)", .present(attribute: "objectClass")),
            ("(cn=a*b*c)", .substrings(attribute: "cn", initial: bytes("a"), any: [bytes("b")], final: bytes("c"))),
            ("(cn=a*)", .substrings(attribute: "cn", initial: bytes("a"), any: [], final: nil)),
            ("(cn=*a)", .substrings(attribute: "cn", initial: nil, any: [], final: bytes("a"))),
            ("(cn=*a*)", .substrings(attribute: "cn", initial: nil, any: [bytes("a")], final: nil)),
            ("(cn=*a*bb*)", .substrings(attribute: "cn", initial: nil, any: [bytes("a"), bytes("bb")], final: nil)),
            ("(uidNumber>=1000)", .greaterOrEqual(attribute: "uidNumber", value: bytes("1000"))),
            ("(uidNumber<=1000)", .lessOrEqual(attribute: "uidNumber", value: bytes("1000"))),
            ("(sn~=smith)", .approximate(attribute: "sn", value: bytes("smith"))),
            ("(2.5.4.3=x)", .equality(attribute: "2.5.4.3", value: bytes("x"))),
            ("(userCertificate;binary=*)", .present(attribute: "userCertificate;binary")),
            ("(cn=Babs Jensen)", .equality(attribute: "cn", value: bytes("Babs Jensen"))),
            ("  (uid=a)\n", .equality(attribute: "uid", value: bytes("a"))),
        ]
        for (text, expected) in cases {
            #expect(try LDAPFilter(parsing: text) == expected, "\(text)")
        }
    }

    @Test func parsesAndOrNot() throws {
        #expect(try LDAPFilter(parsing: "(&(objectClass=person)(uid=alice))") == .and([
            .equality(attribute: "objectClass", value: bytes("person")),
            .equality(attribute: "uid", value: bytes("alice")),
        ]))
        // RFC 4515 §4.
        #expect(try LDAPFilter(parsing: "(|(sn=Jensen)(cn=Babs J*))") == .or([
            .equality(attribute: "sn", value: bytes("Jensen")),
            .substrings(attribute: "cn", initial: bytes("Babs J"), any: [], final: nil),
        ]))
        #expect(try LDAPFilter(parsing: "(!(cn=Tim Howes))") == .not(.equality(attribute: "cn", value: bytes("Tim Howes"))))
        #expect(try LDAPFilter(parsing: "(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))") == .and([
            .equality(attribute: "objectClass", value: bytes("Person")),
            .or([
                .equality(attribute: "sn", value: bytes("Jensen")),
                .substrings(attribute: "cn", initial: bytes("Babs J"), any: [], final: nil),
            ]),
        ]))
        #expect(try LDAPFilter(parsing: "(&(a=1))") == .and([.equality(attribute: "a", value: bytes("1"))]))
    }

    @Test func parsesExtensibleMatches() throws {
        // The RFC 4515 §4 examples.
        #expect(try LDAPFilter(parsing: "(cn:caseExactMatch:=Fred Flintstone)")
            == .extensible(matchingRule: "caseExactMatch", attribute: "cn", value: bytes("Fred Flintstone"), dnAttributes: false))
        #expect(try LDAPFilter(parsing: "(cn:=Betty Rubble)")
            == .extensible(matchingRule: nil, attribute: "cn", value: bytes("Betty Rubble"), dnAttributes: false))
        #expect(try LDAPFilter(parsing: "(sn:dn:2.4.6.8.10:=Barney Rubble)")
            == .extensible(matchingRule: "2.4.6.8.10", attribute: "sn", value: bytes("Barney Rubble"), dnAttributes: true))
        #expect(try LDAPFilter(parsing: "(o:dn:=Ace Industry)")
            == .extensible(matchingRule: nil, attribute: "o", value: bytes("Ace Industry"), dnAttributes: true))
        #expect(try LDAPFilter(parsing: "(:1.2.3:=Wilma Flintstone)")
            == .extensible(matchingRule: "1.2.3", attribute: nil, value: bytes("Wilma Flintstone"), dnAttributes: false))
        #expect(try LDAPFilter(parsing: "(:DN:2.4.6.8.10:=Dino)")
            == .extensible(matchingRule: "2.4.6.8.10", attribute: nil, value: bytes("Dino"), dnAttributes: true))
        // Active Directory's nested group membership.
        #expect(try LDAPFilter(parsing: "(memberOf:1.2.840.113556.1.4.1941:=cn=admins,dc=x)")
            == .extensible(matchingRule: "1.2.840.113556.1.4.1941", attribute: "memberOf", value: bytes("cn=admins,dc=x"), dnAttributes: false))
    }

    @Test func decodesEscapes() throws {
        // The RFC 4515 §4 examples.
        #expect(try LDAPFilter(parsing: #"(o=Parens R Us \28for all your parenthetical needs\29)"#)
            == .equality(attribute: "o", value: bytes("Parens R Us (for all your parenthetical needs)")))
        #expect(try LDAPFilter(parsing: #"(cn=*\2A*)"#) == .substrings(attribute: "cn", initial: nil, any: [bytes("*")], final: nil))
        #expect(try LDAPFilter(parsing: #"(filename=C:\5cMyFile)"#) == .equality(attribute: "filename", value: bytes(#"C:\MyFile"#)))
        #expect(try LDAPFilter(parsing: #"(bin=\00\00\00\04)"#) == .equality(attribute: "bin", value: [0, 0, 0, 4]))
        #expect(try LDAPFilter(parsing: #"(sn=Lu\c4\8di\c4\87)"#) == .equality(attribute: "sn", value: bytes("Lučić")))
        #expect(try LDAPFilter(parsing: #"(1.3.6.1.4.1.1466.0=\04\02\48\69)"#)
            == .equality(attribute: "1.3.6.1.4.1.1466.0", value: [0x04, 0x02, 0x48, 0x69]))
        // UTF-8 may also be written as it is.
        #expect(try LDAPFilter(parsing: "(sn=Lučić)") == .equality(attribute: "sn", value: bytes("Lučić")))
    }

    @Test func refusesMalformedFilters() {
        let malformed = [
            "", "uid=a", "(uid=a", "uid=a)", "(&)", "(|)", "(!)", "(!(a=b)(c=d))", "(uid=a))", "(uid=a)(uid=b)",
            "((uid=a))", "(=a)", "(uid)", "(uid a)", "(uid>a)", "(uid>=a*)", "(uid<=*)", "(uid~=*a)",
            "(cn=a**b)", #"(cn=\2)"#, #"(cn=\zz)"#, #"(cn=a\)"#, "(cn=a(b)", "(cn=a\u{0}b)", "(-cn=a)", "(cn;=a)",
            "(:=a)", "(:dn:=a)", "(cn:dn:1.2:dn:=a)", "(cn:1.2:dn:=a)", "(cn:1.2:3.4:=a)", "(cn:=a*)", "(cn:)",
            "(& (a=b))", "(a=b) x",
        ]
        for text in malformed {
            #expect(throws: LDAPFilterError.self, "\(text)") { try LDAPFilter(parsing: text) }
        }
    }

    @Test func refusesFiltersNestedTooDeep() throws {
        let deep = { (depth: Int) in String(repeating: "(!", count: depth - 1) + "(a=b)" + String(repeating: ")", count: depth - 1) }
        #expect(throws: Never.self) { try LDAPFilter(parsing: deep(32)) }
        #expect(throws: LDAPFilterError.self) { try LDAPFilter(parsing: deep(33)) }
        #expect(throws: LDAPFilterError.self) { try LDAPFilter(parsing: String(repeating: "(", count: 100_000)) }
    }

    @Test func errorsSayWhere() throws {
        let error = try #require(throws: LDAPFilterError.self) { try LDAPFilter(parsing: "(uid=a") }
        #expect(error.offset == 6)
        #expect(error.description.contains("(uid=a"))
    }

    // MARK: - Escaping user input

    @Test func escapeNeutralisesFilterSyntax() throws {
        #expect(LDAPFilter.escape("alice") == "alice")
        #expect(LDAPFilter.escape(#"a*b(c)d\e"#) == #"a\2ab\28c\29d\5ce"#)
        #expect(LDAPFilter.escape("a\u{0}b") == #"a\00b"#)
        #expect(LDAPFilter.escape("Lučić") == "Lučić")
        // An injection attempt stays one literal value of one equality filter.
        for attack in ["*", "*)(uid=*", "admin)(|(uid=*", #"\2a"#, "x)(objectClass=*))(&(a=b"] {
            let filter = try LDAPFilter(parsing: "(&(objectClass=person)(uid=\(LDAPFilter.escape(attack))))")
            #expect(filter == .and([
                .equality(attribute: "objectClass", value: bytes("person")),
                .equality(attribute: "uid", value: bytes(attack)),
            ]), "\(attack)")
        }
    }

    @Test func descriptionParsesBackToTheSameFilter() throws {
        let filters = [
            "(&(objectClass=person)(|(uid=a\\2ab)(cn=*x*y*))(!(mail=*)))", "(bin=\\00\\ff)", "(uidNumber>=5)",
            "(sn~=x)", "(cn<=m)", "(sn:dn:2.4.6.8.10:=Barney)", "(:1.2.3:=W)", "(cn=a*)", "(cn=*a)",
        ]
        for text in filters {
            let filter = try LDAPFilter(parsing: text)
            #expect(try LDAPFilter(parsing: filter.description) == filter, "\(text) -> \(filter)")
        }
        #expect(try LDAPFilter(parsing: "(cn=a\\2a)").description == "(cn=a\\2a)")
    }

    // MARK: - BER (RFC 4511 §4.5.1.7)

    @Test func encodesTheFilterChoice() throws {
        let cases: [(String, String)] = [
            // [0] and { [3] { "objectClass" "person" } [3] { "uid" "alice" } }
            ("(&(objectClass=person)(uid=alice))",
             "a0 25 a3 15 04 0b 6f 62 6a 65 63 74 43 6c 61 73 73 04 06 70 65 72 73 6f 6e a3 0c 04 03 75 69 64 04 05 61 6c 69 63 65"),
            // [1] or, two equalities
            ("(|(a=1)(b=2))", "a1 10 a3 06 04 01 61 04 01 31 a3 06 04 01 62 04 01 32"),
            // [2] not, around an equality
            ("(!(cn=x))", "a2 09 a3 07 04 02 63 6e 04 01 78"),
            // [7] present: the attribute as a primitive value
            ("(cn=*)", "87 02 63 6e"),
            // [4] substrings { "cn" SEQUENCE { [0] "a" [1] "b" [2] "c" } }
            ("(cn=a*b*c)", "a4 0f 04 02 63 6e 30 09 80 01 61 81 01 62 82 01 63"),
            // [5] greaterOrEqual, [6] lessOrEqual, [8] approxMatch
            ("(uidNumber>=1000)", "a5 11 04 09 75 69 64 4e 75 6d 62 65 72 04 04 31 30 30 30"),
            ("(n<=5)", "a6 06 04 01 6e 04 01 35"),
            ("(n~=5)", "a8 06 04 01 6e 04 01 35"),
            // escapes are decoded before encoding: "a*b"
            (#"(cn=a\2ab)"#, "a3 09 04 02 63 6e 04 03 61 2a 62"),
            // [9] extensible { [2] type, [3] matchValue }; dnAttributes FALSE is left out
            ("(cn:=Betty Rubble)", "a9 12 82 02 63 6e 83 0c 42 65 74 74 79 20 52 75 62 62 6c 65"),
            ("(o:dn:=Ace Industry)", "a9 14 82 01 6f 83 0c 41 63 65 20 49 6e 64 75 73 74 72 79 84 01 ff"),
            ("(:dn:2.4.6.8.10:=Dino)", "a9 15 81 0a 32 2e 34 2e 36 2e 38 2e 31 30 83 04 44 69 6e 6f 84 01 ff"),
        ]
        for (text, encoding) in cases {
            #expect(try LDAPFilter(parsing: text).berElement.encoded() == hex(encoding), "\(text)")
        }
    }
}
