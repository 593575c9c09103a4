import NIOCore

/// Cuts the TCP stream into whole LDAPMessages by their BER length, so the handler behind it
/// sees one message per read. A header that can never become a valid message (indefinite
/// length, a length over `maxMessageSize`) fails the channel at once instead of buffering.
struct LDAPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxMessageSize: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = try BERDecoder.frameLength(of: buffer.readableBytesView, maxMessageSize: maxMessageSize),
              let frame = buffer.readSlice(length: length)
        else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// At end of stream whole messages still go on; a partial one is dropped, as its operation
    /// fails with the closed connection anyway.
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
