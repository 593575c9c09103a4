import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// What the client hands to the channel: a request and where its answer goes (none for
/// unbind, which has no answer).
struct LDAPOutboundRequest: Sendable {
    var request: LDAPRequest
    var answer: EventLoopPromise<LDAPAnswer>?
}

/// How an operation ended, with what came before its final message.
struct LDAPAnswer: Sendable {
    var result: LDAPResult
    var entries: [LDAPEntry] = []
    var extendedName: String?
    var extendedValue: [UInt8]?
}

/// The end of the pipeline: gives each request a message ID, pairs each answer with its
/// request, and fails what is outstanding when the connection breaks. All of its state is
/// touched on the channel's event loop only, so it needs no lock; the one thing the client
/// reads from outside, why the connection ended, is in a locked box.
final class LDAPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = LDAPOutboundRequest
    typealias OutboundOut = ByteBuffer

    private struct Outstanding {
        var operation: String
        var answer: EventLoopPromise<LDAPAnswer>
        var timer: Scheduled<Void>
        var entries: [LDAPEntry] = []
    }

    private let timeout: Duration
    private let decoder: BERDecoder
    /// Set once, when the connection can no longer carry requests; later ones fail with it.
    private let closeReason: NIOLockedValueBox<LDAPError?>
    private var nextMessageID: Int32 = 1
    private var outstanding: [Int32: Outstanding] = [:]

    init(timeout: Duration, maxMessageSize: Int, closeReason: NIOLockedValueBox<LDAPError?> = NIOLockedValueBox(nil)) {
        self.timeout = timeout
        self.decoder = BERDecoder(maxMessageSize: maxMessageSize)
        self.closeReason = closeReason
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outbound = Self.unwrapOutboundIn(data)
        if let reason = closeReason.withLockedValue({ $0 }) {
            outbound.answer?.fail(reason)
            promise?.fail(reason)
            return
        }
        let messageID = nextMessageID
        nextMessageID = messageID == Int32.max ? 1 : messageID + 1
        if let answer = outbound.answer {
            let operation = outbound.request.operationName
            // The timer runs on this event loop, like everything else here.
            let timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
                self.timedOut(messageID: messageID, context: context)
            }
            outstanding[messageID] = Outstanding(operation: operation, answer: answer, timer: timer)
        }
        let bytes = LDAPMessage.encode(messageID: messageID, outbound.request)
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(Self.wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        let message: LDAPMessage
        do {
            message = try LDAPMessage(decoding: Array(frame.readableBytesView), decoder: decoder)
        } catch {
            shutDown(context: context, reason: .protocolViolation("\(error)"))
            return
        }
        if message.messageID == 0 {
            // An unsolicited notification: in practice the Notice of Disconnection (RFC 4511
            // §4.4.1), after which the server closes the connection.
            let said = message.response.finalResult.map { ": \($0)" } ?? ""
            shutDown(context: context, reason: .connectionClosed(reason: "the server ended the session\(said)"))
            return
        }
        // An answer to nothing outstanding (never sent, or already failed) is dropped.
        guard let operation = outstanding[message.messageID] else { return }
        switch message.response {
        case .searchEntry(let entry):
            outstanding[message.messageID]?.entries.append(entry)
        case .searchReference:
            break
        case .bind(let result), .searchDone(let result):
            complete(messageID: message.messageID, with: LDAPAnswer(result: result, entries: operation.entries))
        case .extended(let result, let name, let value):
            complete(messageID: message.messageID, with: LDAPAnswer(result: result, extendedName: name, extendedValue: value))
        case .other(let tag):
            shutDown(context: context, reason: .protocolViolation("\(tag) in answer to \(operation.operation)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed(reason: "the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: LDAPError
        switch error {
        case let error as LDAPError: reason = error
        case let error as BERError: reason = .protocolViolation(error.description)
        case is NIOSSLError, is NIOSSLExtraError: reason = .tlsFailed("\(error)")
        default: reason = .connectionClosed(reason: "\(error)")
        }
        shutDown(context: context, reason: reason)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(.connectionClosed(reason: "the connection was shut down"))
    }

    // MARK: - Ending operations

    private func complete(messageID: Int32, with answer: LDAPAnswer) {
        guard let operation = outstanding.removeValue(forKey: messageID) else { return }
        operation.timer.cancel()
        operation.answer.succeed(answer)
    }

    private func timedOut(messageID: Int32, context: ChannelHandlerContext) {
        guard let operation = outstanding.removeValue(forKey: messageID) else { return }
        let error = LDAPError.timedOut(operation: operation.operation, after: timeout)
        operation.answer.fail(error)
        shutDown(context: context, reason: .connectionClosed(reason: "closed after \(error)"))
    }

    private func shutDown(context: ChannelHandlerContext, reason: LDAPError) {
        failAll(reason)
        context.close(promise: nil)
    }

    /// Fails everything outstanding with `reason` and keeps the first reason for requests
    /// that come later. The table is emptied before any promise is failed, since failing one
    /// runs its callbacks at once and they may write again.
    private func failAll(_ reason: LDAPError) {
        let recorded = closeReason.withLockedValue { (current: inout LDAPError?) -> LDAPError in
            if current == nil { current = reason }
            return current!
        }
        let failing = outstanding
        outstanding = [:]
        for operation in failing.values {
            operation.timer.cancel()
            operation.answer.fail(recorded)
        }
    }
}

@available(*, unavailable)
extension LDAPClientHandler: Sendable {}
