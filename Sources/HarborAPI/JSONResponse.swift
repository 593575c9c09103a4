import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

/// JSON in and out, with the conventions of Harbor's API (snake_case keys are spelled out in the
/// models; dates are RFC 3339).
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func ok(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder.encode(value)
        var headers = headers
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        headers[.contentLength] = String(data.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentLength] = "0"
        return Response(status: status, headers: headers)
    }

    /// 201 with `Location` pointing at the new resource, as Harbor answers creations.
    static func created(location: String) -> Response {
        empty(.created, headers: [.location: location])
    }

    static func error(_ error: APIError, includeBody: Bool) -> Response {
        struct Body: Encodable { struct Entry: Encodable { let code: String; let message: String }; let errors: [Entry] }
        let data = (try? encoder.encode(Body(errors: [.init(code: error.code, message: error.message)]))) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(data.count)
        return Response(status: error.status, headers: headers, body: includeBody ? .init(byteBuffer: ByteBuffer(bytes: data)) : .init())
    }
}

/// Plain text responses: job and task logs.
enum TextResponse {
    static func ok(_ text: String) -> Response {
        let buffer = ByteBuffer(string: text)
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .contentLength: String(buffer.readableBytes)],
                        body: .init(byteBuffer: buffer))
    }
}

enum JSONBody {
    /// Largest request body the API reads; robot permission lists are the biggest legitimate ones.
    static let limit = 1 << 20

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try JSONDecoder().decode(T.self, from: try await bytes(from: request))
    }

    /// The body, for requests whose parts are decoded by different owners.
    static func bytes(from request: Request) async throws -> Data {
        let bytes = try await optionalBytes(from: request)
        guard !bytes.isEmpty else { throw APIError.badRequest("request body is empty") }
        return bytes
    }

    /// The body of a request whose body may be left out (empty when it was).
    static func optionalBytes(from request: Request) async throws -> Data {
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= limit else { throw APIError.badRequest("request body is larger than \(limit) bytes") }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return Data(bytes)
    }

}

enum Timestamp {
    /// Harbor's time format, e.g. `2024-05-01T10:00:00.000Z`.
    static func rfc3339(millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
