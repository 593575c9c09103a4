import Crypto
import Foundation

/// AWS Signature Version 4 for S3, written here because no S3 package is available to the build.
/// Signs a request's method, path, query, chosen headers and payload hash into an `Authorization`
/// header, or into the query of a presigned URL. The tests compare its output with botocore's for
/// the same requests.
public struct SigV4: Sendable {
    public struct Credentials: Sendable, Equatable {
        public let accessKey: String
        public let secretKey: String
        public let sessionToken: String?

        public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.sessionToken = sessionToken
        }
    }

    /// The payload hash S3 accepts in place of the body's when the body is not hashed up front.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of nothing: the payload hash of a request without a body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let credentials: Credentials
    public let region: String
    public let service: String

    public init(credentials: Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256`, the session token
    /// when there is one, and `Authorization`. `headers` must hold `host` and every other header
    /// to be signed (names in any case).
    public func sign(method: String, path: String, query: [(String, String)], headers: [String: String],
                     payloadHash: String, date: Date = Date()) -> [String: String] {
        let (amzDate, day) = Self.timestamps(date)
        var signed = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        signed["x-amz-date"] = amzDate
        signed["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { signed["x-amz-security-token"] = token }
        let names = signed.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(Self.trimmed(signed[$0]!))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonical = [method, Self.canonicalPath(path), Self.canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let signature = self.signature(canonicalRequest: canonical, amzDate: amzDate, day: day, scope: scope)
        var added = ["x-amz-date": amzDate, "x-amz-content-sha256": payloadHash]
        if let token = credentials.sessionToken { added["x-amz-security-token"] = token }
        added["authorization"] = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return added
    }

    /// The query of a presigned GET (or other method) URL valid for `expires` seconds, signing the
    /// host header only, as S3's presigned URLs do. Append it to the URL after `?`.
    public func presignedQuery(method: String, path: String, host: String, query: [(String, String)] = [],
                               expires: Int, date: Date = Date()) -> String {
        let (amzDate, day) = Self.timestamps(date)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        var parameters = query
        parameters.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        parameters.append(("X-Amz-Credential", "\(credentials.accessKey)/\(scope)"))
        parameters.append(("X-Amz-Date", amzDate))
        parameters.append(("X-Amz-Expires", String(expires)))
        if let token = credentials.sessionToken { parameters.append(("X-Amz-Security-Token", token)) }
        parameters.append(("X-Amz-SignedHeaders", "host"))
        let canonical = [method, Self.canonicalPath(path), Self.canonicalQuery(parameters), "host:\(host)\n", "host", Self.unsignedPayload]
            .joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonical, amzDate: amzDate, day: day, scope: scope)
        return Self.canonicalQuery(parameters) + "&X-Amz-Signature=" + signature
    }

    private func signature(canonicalRequest: String, amzDate: String, day: String, scope: String) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    // MARK: - The canonical forms

    /// Each path segment percent-encoded once (S3 does not encode twice), slashes kept.
    static func canonicalPath(_ path: String) -> String {
        let path = path.isEmpty ? "/" : path
        return path.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
    }

    /// Parameters sorted by encoded name, then value, each encoded, `name=value` joined with `&`.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (uriEncode($0.0), uriEncode($0.1)) }
        let sorted = encoded.sorted { (a, b) -> Bool in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { pair -> String in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// RFC 3986 encoding: everything but letters, digits and `-._~` as `%XX` in upper case.
    static func uriEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Header values with their ends trimmed and inner runs of spaces made one.
    static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }

    static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return (day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!), day)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
