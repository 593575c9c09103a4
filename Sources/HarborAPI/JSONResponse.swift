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

    /// The decoded body, or nil when the request has none.
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T? {
        let bytes = try await optionalBytes(from: request)
        return bytes.isEmpty ? nil : try JSONDecoder().decode(T.self, from: bytes)
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
    /// Harbor's time format, e.g. `2024-05-01T10:00:00.000Z`. Computed directly (the civil date
    /// from days since 1970, as in Howard Hinnant's `civil_from_days`): a Foundation formatter made
    /// per call cost 0.1 ms, which a listing of 1,000 artifacts paid 1,000 times.
    static func rfc3339(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let fraction = Int(millis - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2) + "." + pad(fraction, 3) + "Z"
    }
}
