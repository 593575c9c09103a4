import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs one webhook payload. Redirects are not followed (an `Authorization` header must not go to
/// another host, and a receiver that moved should be re-registered); only the status counts.
public enum WebhookSender {
    public struct Answer: Sendable {
        public let status: Int
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
        // The status is the answer; the body is not read (nor shown: a receiver inside the
        // network must not become a way to read internal pages into a task log).
        for try await _ in response.body { break }
        return Answer(status: Int(response.status.code))
    }

    /// The address as logs show it: scheme, host and port only (a Slack or chat URL's path and
    /// query are its secret).
    public static func redacted(_ address: String) -> String {
        guard let components = URLComponents(string: address), let scheme = components.scheme, let host = components.host else {
            return "the target"
        }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")/..."
    }
}
