import BerthTestSupport
import Crypto
import Foundation
import Testing
@testable import S3Storage

/// Berth's SigV4 against botocore's for the same requests (tests/oracles/sigv4_oracle.py runs
/// botocore; scripts/test installs it with moto). Keys with spaces, `+`, unicode and slashes,
/// query values that need encoding, header values with runs of spaces, a session token, and a
/// presigned URL.
@Suite struct SigV4Tests {
    static let credentials = SigV4.Credentials(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_796_613_600) // 2026-12-07T03:20:00Z
    static let timestamp = "2026-12-07T03:20:00Z"

    struct Case {
        let method: String
        let path: String
        let query: [(String, String)]
        let headers: [String: String]
        let body: String
    }

    static let cases: [Case] = [
        Case(method: "GET", path: "/bucket/docker/registry/v2/blobs/sha256/ab/abcdef/data", query: [], headers: [:], body: ""),
        Case(method: "PUT", path: "/bucket/uploads/a b+c/ü/data", query: [("partNumber", "2"), ("uploadId", "x/y+z=")],
             headers: ["Content-Type": "application/octet-stream", "X-Amz-Meta-Note": "  two   spaces  "], body: "some bytes"),
        Case(method: "GET", path: "/bucket", query: [("list-type", "2"), ("prefix", "docker/registry/v2/repositories/"), ("delimiter", "/"),
                                                      ("continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")],
             headers: [:], body: ""),
        Case(method: "POST", path: "/bucket", query: [("delete", "")], headers: ["Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="],
             body: "<Delete><Object><Key>a</Key></Object></Delete>"),
        Case(method: "DELETE", path: "/bucket/key~with.safe-chars_", query: [("uploadId", "abc")], headers: [:], body: ""),
    ]

    @Test func signaturesEqualBotocores() async throws {
        for withToken in [false, true] {
            let credentials = withToken
                ? SigV4.Credentials(accessKey: Self.credentials.accessKey, secretKey: Self.credentials.secretKey, sessionToken: "token/with+chars=")
                : Self.credentials
            let signer = SigV4(credentials: credentials, region: "eu-central-1")
            var requests: [[String: Any]] = []
            var ours: [String] = []
            for item in Self.cases {
                var headers = item.headers
                headers["Host"] = "127.0.0.1:9000"
                if !item.body.isEmpty { headers["Content-Length"] = String(item.body.utf8.count) }
                let hash = SigV4.hex(SHA256.hash(data: Array(item.body.utf8)))
                ours.append(signer.sign(method: item.method, path: item.path, query: item.query, headers: headers, payloadHash: hash, date: Self.date)["authorization"]!)
                let query = item.query.isEmpty ? "" : "?" + SigV4.canonicalQuery(item.query)
                requests.append(["method": item.method, "url": "http://127.0.0.1:9000" + SigV4.canonicalPath(item.path) + query,
                                 "headers": item.headers.merging(item.body.isEmpty ? [:] : ["Content-Length": String(item.body.utf8.count)]) { a, _ in a },
                                 "body": item.body])
            }
            let presignQuery = signer.presignedQuery(method: "GET", path: "/bucket/blobs/x y", host: "127.0.0.1:9000", expires: 1200, date: Self.date)
            var spec: [String: Any] = ["access_key": credentials.accessKey, "secret_key": credentials.secretKey, "region": "eu-central-1",
                                       "timestamp": Self.timestamp, "requests": requests,
                                       "presign": [["method": "GET", "url": "http://127.0.0.1:9000/bucket/blobs/x%20y", "expires": 1200]]]
            if let token = credentials.sessionToken { spec["session_token"] = token }
            let oracle = try await Self.botocore(spec)
            #expect(oracle.authorization == ours, "with session token: \(withToken)")
            let theirs = try #require(oracle.presigned.first?.split(separator: "&").first { $0.hasPrefix("X-Amz-Signature=") })
            #expect(presignQuery.hasSuffix("&" + theirs), "\(presignQuery) vs \(theirs)")
        }
    }

    @Test func canonicalFormsFollowTheSpec() {
        #expect(SigV4.uriEncode("a b/c~d_e.f-g+h=") == "a%20b%2Fc~d_e.f-g%2Bh%3D")
        #expect(SigV4.canonicalPath("/bucket/a b/ü") == "/bucket/a%20b/%C3%BC")
        #expect(SigV4.canonicalQuery([("b", "2"), ("a", "x y"), ("a", "1"), ("uploads", "")]) == "a=1&a=x%20y&b=2&uploads=")
        #expect(SigV4.trimmed("  a   b  c ") == "a b c")
        #expect(SigV4.timestamps(Self.date) == ("20261207T032000Z", "20261207"))
    }

    struct OracleAnswer: Decodable {
        let authorization: [String]
        let presigned: [String]
    }

    /// Runs botocore on `spec` (python3 from PATH).
    static func botocore(_ spec: [String: Any]) async throws -> OracleAnswer {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tests/oracles/sigv4_oracle.py").path
        let result = try await ChildProcess.run("python3", [script], input: try JSONSerialization.data(withJSONObject: spec))
        guard result.status == 0 else {
            throw OracleFailure(message: "botocore oracle failed (pip install botocore): \(result.errors)")
        }
        return try JSONDecoder().decode(OracleAnswer.self, from: Data(result.output.utf8))
    }

    struct OracleFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
