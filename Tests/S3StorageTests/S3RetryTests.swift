import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore
import Testing
@testable import S3Storage

/// S3 asks clients to retry 5xx answers and `SlowDown` with growing pauses (Harbor #23005 is a
/// registry that gave up instead). A loopback stand-in answers 503 SlowDown twice, then the object.
@Suite struct S3RetryTests {
    static func standIn(failures: Int, status: HTTPResponse.Status = .serviceUnavailable) -> (some ApplicationProtocol, NIOLockedValueBox<Int>) {
        let calls = NIOLockedValueBox(0)
        let router = Router()
        router.get("/bucket/**") { _, _ -> Response in
            let call = calls.withLockedValue { $0 += 1; return $0 }
            guard call > failures else {
                return Response(status: status, body: .init(byteBuffer: ByteBuffer(string:
                    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "payload")))
        }
        return (Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))), calls)
    }

    static func client(port: Int, attempts: Int) -> S3Client {
        S3Client(location: S3Location(endpoint: "http://127.0.0.1:\(port)", bucket: "bucket", region: "us-east-1"),
                 credentials: .init(accessKey: "a", secretKey: "b"), attempts: attempts)
    }

    @Test func slowDownIsRetriedUntilTheAnswerComes() async throws {
        let (app, calls) = Self.standIn(failures: 2)
        try await app.test(.live) { client in
            var body = ""
            try await Self.client(port: client.port!, attempts: 5).get("key") { body += String(buffer: $0) }
            #expect(body == "payload")
            #expect(calls.withLockedValue { $0 } == 3)
        }
    }

    @Test func aServerThatKeepsFailingIsAnErrorWithItsCode() async throws {
        let (app, calls) = Self.standIn(failures: 100, status: .internalServerError)
        try await app.test(.live) { client in
            do {
                try await Self.client(port: client.port!, attempts: 3).get("key") { _ in }
                Issue.record("a failing server's answer was taken")
            } catch let error as S3Error {
                #expect(error.status == 500 && error.code == "SlowDown", "\(error)")
            }
            #expect(calls.withLockedValue { $0 } == 3)
        }
    }

    @Test func aServerThatIgnoresRangeIsNotTakenForTheRange() async throws {
        let (app, _) = Self.standIn(failures: 0)
        try await app.test(.live) { client in
            do {
                try await Self.client(port: client.port!, attempts: 1).get("key", range: 0..<3) { _ in }
                Issue.record("a whole object was taken for a range")
            } catch let error as S3Error {
                #expect(error.status == 200, "\(error)")
            }
        }
    }
}
