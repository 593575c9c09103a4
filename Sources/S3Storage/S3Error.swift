import AsyncHTTPClient
import Foundation
import NIOCore

/// An S3 call that failed: the HTTP status and S3's error code and message (`NoSuchBucket`,
/// `InvalidAccessKeyId`, `SignatureDoesNotMatch`...), never the credentials.
public struct S3Error: Error, Equatable, Sendable, CustomStringConvertible {
    public let status: UInt
    public let code: String
    public let message: String
    public let operation: String
    public let key: String

    public var description: String {
        "S3 \(operation) \(key.isEmpty ? "(bucket)" : key) failed: \(status) \(code): \(message)"
    }

    static func from(_ response: HTTPClientResponse, operation: String, key: String) async throws -> S3Error {
        let body = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
        let answer = XMLText.parse(body)
        let code = answer.errorCode ?? (response.status.code == 404 ? "NotFound" : "HTTP\(response.status.code)")
        let message = (answer.root == "Error" ? answer.first("Message") : nil) ?? response.status.reasonPhrase
        return S3Error(status: response.status.code, code: code, message: message, operation: operation, key: key)
    }
}
