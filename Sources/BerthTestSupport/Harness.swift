import BerthServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OCI
import ServiceLifecycle
import Testing

/// An in-process Berth on a fresh database and data directory, driven through Hummingbird's router
/// test client (real request and response objects, no socket).
public struct Harness: Sendable {
    public static let password = "Test-Passw0rd"
    public let client: any TestClientProtocol
    public let server: BerthServer
    /// The loopback port of a live harness.
    public let port: Int?

    /// `live` also serves on a loopback socket (`port`) for clients outside the process, such as
    /// another registry's client. The test's own requests always drive the router directly (no
    /// client timeout to trip when the whole suite loads the machine).
    public static func run(live: Bool = false, configure: (inout BerthConfiguration) -> Void = { _ in },
                           _ body: @escaping @Sendable (Harness) async throws -> Void) async throws {
        try await TestDatabase.withFreshURL { url, directory in
            var configuration = BerthConfiguration()
            configuration.dataDirectory = directory + "/data"
            configuration.databaseURL = url
            configuration.adminPassword = password
            // Hundreds of servers run at once in a test run; two delivery workers each are plenty.
            configuration.webhookWorkers = 2
            configure(&configuration)
            if live {
                configuration.host = "127.0.0.1"
                configuration.port = 0
            }
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            let phase = TestPhases.begin("opening the server")
            defer { TestPhases.end(phase) }
            let server = try await BerthServer.open(configuration, logger: logger)
            TestPhases.move(phase, to: "test body (Harness)", database: server.database)
            let serviceLogger = logger
            do {
                try await server.application().test(.router) { client in
                    guard live else { return try await body(Harness(client: client, server: server, port: nil)) }
                    let (ports, announce) = AsyncStream<Int>.makeStream()
                    let socket = server.socketApplication { port in announce.yield(port) }
                    let group = ServiceGroup(configuration: .init(services: [socket], gracefulShutdownSignals: [], logger: serviceLogger))
                    try await withThrowingTaskGroup(of: Void.self) { tasks in
                        tasks.addTask {
                            defer { announce.finish() }   // a server that failed to start announces no port
                            try await group.run()
                        }
                        var iterator = ports.makeAsyncIterator()
                        let port = await iterator.next()
                        do {
                            try await body(Harness(client: client, server: server, port: port))
                        } catch {
                            await group.triggerGracefulShutdown()
                            throw error
                        }
                        await group.triggerGracefulShutdown()
                        try await tasks.waitForAll()
                    }
                }
            } catch {
                TestPhases.move(phase, to: "closing the server after \(error)")
                await server.close()
                throw error
            }
            TestPhases.move(phase, to: "closing the server")
            await server.close()
        }
    }

    public static var admin: HTTPFields {
        [.authorization: "Basic " + Data("admin:\(password)".utf8).base64EncodedString()]
    }

    @discardableResult
    public func request(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = Harness.admin, body: [UInt8]? = nil) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }

    /// Monolithic upload; returns the digest.
    @discardableResult
    public func pushBlob(_ bytes: [UInt8], to repository: String, headers: HTTPFields = Harness.admin) async throws -> Digest {
        let digest = Digest.of(bytes)
        let response = try await request(.post, "/v2/\(repository)/blobs/uploads/?digest=\(digest)", headers: headers, body: bytes)
        #expect(response.status == .created)
        return digest
    }

    /// An image manifest with a config and one layer, blobs pushed first.
    public func pushImage(_ repository: String, tag: String, layer: String = "layer", extra: String = "") async throws -> (digest: Digest, bytes: [UInt8]) {
        let manifest = try await pushImageContent(repository, config: "{\"architecture\":\"amd64\",\"os\":\"linux\"\(extra)}", layer: layer)
        let response = try await putManifest(manifest, repository: repository, reference: tag)
        #expect(response.status == .created)
        return (Digest.of(manifest), manifest)
    }

    /// A token from the token service for `scope`, as a Docker client would fetch it.
    public func token(scope: String, headers: HTTPFields = Harness.admin) async throws -> String {
        let escaped = scope.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "+"])) ?? scope
        let response = try await request(.get, "/service/token?service=harbor-registry&scope=\(escaped)", headers: headers)
        #expect(response.status == .ok, "\(response.text)")
        struct Body: Decodable { let token: String }
        return try JSONDecoder().decode(Body.self, from: Data(response.bytes)).token
    }

    public static func basic(_ user: String, _ password: String) -> HTTPFields {
        [.authorization: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    /// Pushes a config and a one-layer image's blobs and returns the manifest naming them.
    public func pushImageContent(_ repository: String, config: String, layer: String) async throws -> [UInt8] {
        let configBytes = Array(config.utf8), layerBytes = Array(layer.utf8)
        let configDigest = try await pushBlob(configBytes, to: repository)
        let layerDigest = try await pushBlob(layerBytes, to: repository)
        return Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
            "config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(configDigest)","size":\(configBytes.count)},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(layerDigest)","size":\(layerBytes.count)}]}
            """.utf8)
    }

    public func putManifest(_ bytes: [UInt8], repository: String, reference: String, mediaType: String = MediaType.ociManifest) async throws -> TestResponse {
        var headers = Harness.admin
        headers[.contentType] = mediaType
        return try await request(.put, "/v2/\(repository)/manifests/\(reference)", headers: headers, body: bytes)
    }
}

extension TestResponse {
    public var text: String { String(buffer: body) }
    public var bytes: [UInt8] { Array(body.readableBytesView) }

    /// The first OCI error code in the body.
    public var errorCode: String? {
        struct Body: Decodable { struct E: Decodable { let code: String }; let errors: [E] }
        return (try? JSONDecoder().decode(Body.self, from: Data(bytes)))?.errors.first?.code
    }

    public func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}
