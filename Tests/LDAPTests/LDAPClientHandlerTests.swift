import NIOCore
import NIOEmbedded
import Testing
@testable import LDAP

/// The client's pipeline (framer and handler) on an EmbeddedChannel: requests go out with
/// their message IDs, answers are fed back in as a server would send them, and time is moved
/// by hand, so timeouts are tested without waiting.
///
/// The tests are synchronous on purpose: an EmbeddedEventLoop must stay on the thread that
/// made it, and an async test may resume elsewhere.
@Suite struct LDAPClientHandlerTests {
    static let timeout = Duration.seconds(5)

    func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handlers: [
            ByteToMessageHandler(LDAPFrameDecoder(maxMessageSize: BER.defaultMaxMessageSize)),
            LDAPClientHandler(timeout: Self.timeout, maxMessageSize: BER.defaultMaxMessageSize),
        ])
        channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 389), promise: nil)
        return channel
    }

    /// Sends `request`, returns the future of its answer and the message ID it went out with.
    func send(_ request: LDAPRequest, on channel: EmbeddedChannel) throws -> (EventLoopFuture<LDAPAnswer>, Int64) {
        let answer = channel.eventLoop.makePromise(of: LDAPAnswer.self)
        try channel.writeOutbound(LDAPOutboundRequest(request: request, answer: answer))
        let sent = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let messageID = try #require(try BERDecoder().decode(sent).children?.first?.integerValue())
        return (answer.futureResult, messageID)
    }

    /// What a future on the embedded loop came to; nil while it is pending.
    func outcome<Value>(_ future: EventLoopFuture<Value>) -> Result<Value, any Error>? {
        var outcome: Result<Value, any Error>?
        future.assumeIsolated().whenComplete { outcome = $0 }
        return outcome
    }

    func buffer(_ bytes: [UInt8]) -> ByteBuffer {
        ByteBuffer(bytes: bytes)
    }

    @Test func answersFindTheirRequestsInAnyOrderAndInAnyPieces() throws {
        let channel = try makeChannel()
        let search = LDAPSearch(base: "dc=t", scope: .sub, filter: .present(attribute: "cn"), attributes: [], sizeLimit: 0, timeLimit: 5)
        let (searchAnswer, searchID) = try send(.search(search), on: channel)
        let (bindAnswer, bindID) = try send(.bind(dn: "cn=a", password: "pw"), on: channel)
        #expect(searchID == 1)
        #expect(bindID == 2)

        // The bind's answer first, then the search's entry, a reference and its end, all in
        // one stream delivered a byte at a time.
        var stream = hex("30 0c 02 01 02 61 07 0a 01 00 04 00 04 00")
        stream += hex("30 19 02 01 01 64 14 04 04 64 63 3d 74 30 0c 30 0a 04 02 63 6e 31 04 04 02 63 6e")
        stream += hex("30 18 02 01 01 73 13 04 11") + Array("ldap://other/dc=t".utf8)
        stream += hex("30 0c 02 01 01 65 07 0a 01 00 04 00 04 00")
        for byte in stream {
            try channel.writeInbound(buffer([byte]))
        }
        let bind = try #require(outcome(bindAnswer)).get()
        #expect(bind.result.resultCode == .success)
        let found = try #require(outcome(searchAnswer)).get()
        #expect(found.result.resultCode == .success)
        #expect(found.entries == [LDAPEntry(dn: "dc=t", rawAttributes: ["cn": [Array("cn".utf8)]])])
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test func anOperationWithoutAnswerTimesOutAndClosesTheConnection() throws {
        let channel = try makeChannel()
        let (bindAnswer, _) = try send(.bind(dn: "cn=a", password: "pw"), on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(outcome(bindAnswer) == nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(throws: LDAPError.timedOut(operation: "bind", after: Self.timeout)) { try outcome(bindAnswer)?.get() }
        #expect(!channel.isActive)
    }

    @Test func answersCancelTheirTimers() throws {
        let channel = try makeChannel()
        let (bindAnswer, _) = try send(.bind(dn: "cn=a", password: "pw"), on: channel)
        try channel.writeInbound(buffer(hex("30 0e 02 01 01 61 09 0a 01 31 04 00 04 02 6e 6f")))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        let answer = try #require(outcome(bindAnswer)).get()
        #expect(answer.result == LDAPResult(resultCode: .invalidCredentials, diagnosticMessage: "no"))
        #expect(channel.isActive)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aClosedConnectionFailsWhatIsOutstanding() throws {
        let channel = try makeChannel()
        let (searchAnswer, _) = try send(.search(LDAPSearch(base: "", scope: .base, filter: .present(attribute: "objectClass"),
                                                            attributes: [], sizeLimit: 0, timeLimit: 0)), on: channel)
        channel.pipeline.fireChannelInactive()
        #expect(throws: LDAPError.connectionClosed(reason: "the server closed the connection")) { try outcome(searchAnswer)?.get() }
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aNoticeOfDisconnectionEndsTheSession() throws {
        let channel = try makeChannel()
        let (bindAnswer, _) = try send(.bind(dn: "cn=a", password: "pw"), on: channel)
        try channel.writeInbound(buffer(hex("30 27 02 01 00 78 22 0a 01 34 04 00 04 03 62 79 65 8a 16") + Array("1.3.6.1.4.1.1466.20036".utf8)))
        #expect(throws: LDAPError.connectionClosed(reason: "the server ended the session: unavailable (52): bye")) {
            try outcome(bindAnswer)?.get()
        }
        #expect(!channel.isActive)
    }

    @Test func bytesThatAreNotLDAPFailTheConnection() throws {
        let channel = try makeChannel()
        let (bindAnswer, _) = try send(.bind(dn: "cn=a", password: "pw"), on: channel)
        // An indefinite length: the framer refuses it before any body arrives.
        try? channel.writeInbound(buffer(hex("30 80 02 01 01")))
        let error = try #require(throws: LDAPError.self) { try outcome(bindAnswer)?.get() }
        guard case .protocolViolation = error else {
            Issue.record("expected protocolViolation, got \(error)")
            return
        }
        #expect(!channel.isActive)
    }

    @Test func unbindIsSentWithoutWaitingForAnAnswer() throws {
        let channel = try makeChannel()
        try channel.writeOutbound(LDAPOutboundRequest(request: .unbind, answer: nil))
        let sent = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(sent.readableBytesView) == hex("30 05 02 01 01 42 00"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}
