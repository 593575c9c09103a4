import Hummingbird
import Metrics

/// Counts the bytes of request and response bodies for `/metrics`
/// (`berth_http_request_body_bytes_total`, `berth_http_response_body_bytes_total`): how much
/// clients pushed and pulled, which request counts alone do not tell. A response whose length is
/// known when it is returned (a blob, a manifest) is counted whole then, without touching its
/// bytes; only bodies of unknown length are counted as they are written.
struct TransferMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let received = Counter(label: "berth_http_request_body_bytes_total")
    let sent = Counter(label: "berth_http_response_body_bytes_total")

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        switch request.method {
        case .post, .put, .patch:
            let body = request.body, received = self.received
            request.body = RequestBody(asyncSequence: body.map { buffer in
                received.increment(by: buffer.readableBytes)
                return buffer
            })
        default:
            break
        }
        var response = try await next(request, context)
        if let length = response.body.contentLength {
            if length > 0 { sent.increment(by: length) }
        } else {
            let body = response.body, sent = self.sent
            response.body = ResponseBody { writer in
                try await body.write(CountingWriter(inner: writer, counter: sent))
            }
        }
        return response
    }
}

/// Passes every buffer on to the real writer, counting it first.
private struct CountingWriter: ResponseBodyWriter {
    var inner: any ResponseBodyWriter
    let counter: Counter

    mutating func write(_ buffer: ByteBuffer) async throws {
        counter.increment(by: buffer.readableBytes)
        try await inner.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await inner.finish(trailingHeaders)
    }
}
