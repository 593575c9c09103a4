import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs one webhook payload. Redirects are not followed (an `Authorization` header must not go to
/// another host, and a receiver that moved should be re-registered), and the answer's body is
/// read only as far as the log shows it.
public enum WebhookSender {
    public struct Answer: Sendable {
        public let status: Int
        /// The start of the receiver's body, for the task log.
        public let body: String
        public var succeeded: Bool { (200..<300).contains(status) }
    }

    /// The whole exchange, from connecting to the last byte of the answer, is given `timeout`.
    public static func post(_ address: String, body: [UInt8], contentType: String, authorization: String?,
                            skipCertificateCheck: Bool, timeout: TimeAmount) async throws -> Answer {
        var request = HTTPClientRequest(url: address)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "User-Agent", value: "Berth-Webhook/1")
        if let authorization, !authorization.isEmpty { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let client = skipCertificateCheck ? OutgoingHTTP.unverifiedClientWithoutRedirects : OutgoingHTTP.clientWithoutRedirects
        let response = try await client.execute(request, timeout: timeout)
        var collected = try await response.body.collect(upTo: 1 << 20)
        let text = collected.readString(length: min(collected.readableBytes, 512)) ?? ""
        return Answer(status: Int(response.status.code), body: text)
    }
}
