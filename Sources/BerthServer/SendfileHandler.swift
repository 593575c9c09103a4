import BlobStore
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Sends committed blobs with `sendfile` (see `FileRegionHandoff`). Sits between NIO's HTTP/1
/// codec and Hummingbird's conversion to HTTP types, where a response body may be a file region:
/// it marks each request as coming through a channel that can send files, and swaps the marker a
/// blob handler writes for the file region it stands for. Not installed with TLS, which must see
/// the bytes.
final class SendfileHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let handoff: FileRegionHandoff

    init(handoff: FileRegionHandoff) {
        self.handoff = handoff
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only a GET can be answered with a blob's bytes; other requests pass untouched.
        guard case .head(var head) = unwrapInboundIn(data), head.method == .GET else {
            context.fireChannelRead(data)
            return
        }
        head.headers.replaceOrAdd(name: FileRegionHandoff.capabilityHeader, value: handoff.capability)
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .body(.byteBuffer(let buffer)) = unwrapOutboundIn(data), let (region, file) = handoff.take(buffer) else {
            context.write(data, promise: promise)
            return
        }
        let sent = promise ?? context.eventLoop.makePromise()
        sent.futureResult.whenComplete { _ in try? file.close() }
        context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: sent)
    }
}

/// Hummingbird adds its extra handlers after its conversion to HTTP types; this one puts a
/// `SendfileHandler` in front of that conversion and takes itself out.
final class SendfileInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let handoff: FileRegionHandoff

    init(handoff: FileRegionHandoff) {
        self.handoff = handoff
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
            try? pipeline.addHandler(SendfileHandler(handoff: handoff), position: .before(codec))
        }
        pipeline.removeHandler(context: context, promise: nil)
    }
}
