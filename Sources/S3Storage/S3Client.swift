import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Where a bucket is and how to reach it (`storage.s3` in the configuration).
public struct S3Location: Sendable, Equatable {
    /// `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`.
    public let endpoint: String
    public let bucket: String
    public let region: String
    /// Path style (`endpoint/bucket/key`), which every S3-compatible server takes; otherwise
    /// virtual-host style (`bucket.endpoint/key`), which AWS prefers.
    public let pathStyle: Bool

    public init(endpoint: String, bucket: String, region: String, pathStyle: Bool = true) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.bucket = bucket
        self.region = region
        self.pathStyle = pathStyle
    }
}

/// What a listing found below a prefix: objects and the "directories" under it.
public struct S3Listing: Sendable, Equatable {
    public var keys: [String] = []
    public var prefixes: [String] = []
}

/// The S3 REST calls the storage driver needs, signed with `SigV4`, over AsyncHTTPClient.
/// Every call is retried with growing pauses on 5xx answers and S3's `SlowDown`, and on
/// connections that fail, since S3 asks clients to (Harbor #23005 is a registry that did not).
public struct S3Client: Sendable {
    public let location: S3Location
    let signer: SigV4
    let http: HTTPClient
    /// Attempts per call, the first included.
    let attempts: Int
    /// Asks S3 to encrypt what is written with its own keys (SSE-S3, `storage.s3.encrypt`).
    let encrypt: Bool

    public init(location: S3Location, credentials: SigV4.Credentials, http: HTTPClient = S3Client.sharedHTTPClient, attempts: Int = 5, encrypt: Bool = false) {
        self.location = location
        self.signer = SigV4(credentials: credentials, region: location.region)
        self.http = http
        self.attempts = attempts
        self.encrypt = encrypt
    }

    /// The HTTP client of every S3 call. A connection that cannot be made fails the attempt at
    /// once (AsyncHTTPClient would otherwise keep reconnecting until the request's deadline, so a
    /// storage that went away held each request for minutes); `execute` retries with pauses.
    /// A server that stops sending mid-answer fails after 60 s of silence.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Headers of a call that creates an object.
    private var creationHeaders: [String: String] {
        encrypt ? ["x-amz-server-side-encryption": "AES256"] : [:]
    }

    // MARK: - The bucket

    /// Creates the bucket; one that exists already and is ours is not an error.
    public func createBucket() async throws {
        let body = location.region == "us-east-1" ? nil : ByteBuffer(string:
            "<CreateBucketConfiguration><LocationConstraint>\(XMLText.escape(location.region))</LocationConstraint></CreateBucketConfiguration>")
        let response = try await send("PUT", key: "", body: body, accept: [200, 409])
        if response.status.code == 409, XMLText.parse(response.body).errorCode != "BucketAlreadyOwnedByYou" {
            throw S3Error(status: 409, code: "BucketAlreadyExists", message: "the bucket belongs to someone else", operation: "PUT", key: "")
        }
    }

    // MARK: - Objects

    /// Size of the object, or nil when there is none.
    public func head(_ key: String) async throws -> Int64? {
        let response = try await send("HEAD", key: key, accept: [200, 404])
        guard response.status == .ok else { return nil }
        return response.headers.first(name: "content-length").flatMap(Int64.init)
    }

    /// Calls `consume` with the object's bytes in `range` as they arrive; nil range means all.
    public func get(_ key: String, range: Range<Int64>? = nil, consume: (ByteBuffer) async throws -> Void) async throws {
        var headers: [String: String] = [:]
        if let range {
            guard !range.isEmpty else { return }
            headers["range"] = "bytes=\(range.lowerBound)-\(range.upperBound - 1)"
        }
        let response = try await execute { try makeRequest("GET", key: key, query: [], headers: headers, body: nil) }
        // A server that ignores Range answers 200 with the whole object, which is not the range.
        guard range == nil ? response.status == .ok : response.status == .partialContent else {
            throw try await S3Error.from(response, operation: "GET", key: key)
        }
        for try await buffer in response.body { try await consume(buffer) }
    }

    public func put(_ key: String, body: ByteBuffer) async throws {
        _ = try await send("PUT", key: key, headers: creationHeaders, body: body, accept: [200])
    }

    /// Deleting a missing object is not an error (S3 answers 204 either way).
    public func delete(_ key: String) async throws {
        _ = try await send("DELETE", key: key, accept: [200, 204, 404])
    }

    /// DeleteObjects, up to 1,000 keys a call.
    public func delete(keys: [String]) async throws {
        for start in stride(from: 0, to: keys.count, by: 1000) {
            let batch = keys[start..<min(start + 1000, keys.count)]
            var xml = #"<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>"#
            for key in batch { xml += "<Object><Key>\(XMLText.escape(key))</Key></Object>" }
            xml += "</Delete>"
            let body = ByteBuffer(string: xml)
            // S3 refuses a DeleteObjects without a checksum of its body.
            let md5 = Data(Insecure.MD5.hash(data: Array(xml.utf8))).base64EncodedString()
            let response = try await send("POST", key: "", query: [("delete", "")], headers: ["content-md5": md5, "content-type": "application/xml"],
                                          body: body, accept: [200])
            if let failure = XMLText.parse(response.body).first("Error/Code") {
                throw S3Error(status: 200, code: failure, message: "DeleteObjects refused a key", operation: "DELETE", key: "")
            }
        }
    }

    /// Keys and common prefixes directly below `prefix` (which ends with `/`, or is empty); with
    /// `recursive`, every key below it and no prefixes.
    public func list(prefix: String, recursive: Bool = false) async throws -> S3Listing {
        var listing = S3Listing()
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if !recursive { query.append(("delimiter", "/")) }
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", key: "", query: query, accept: [200])
            let answer = try Self.wellFormed(XMLText.parse(response.body), "ListObjectsV2", key: prefix)
            listing.keys += answer.values("Contents/Key")
            listing.prefixes += answer.values("CommonPrefixes/Prefix")
            token = answer.first("IsTruncated") == "true" ? answer.first("NextContinuationToken") : nil
        } while token != nil
        return listing
    }

    // MARK: - Multipart uploads

    public func createMultipartUpload(_ key: String) async throws -> String {
        let response = try await send("POST", key: key, query: [("uploads", "")], headers: creationHeaders, accept: [200])
        guard let id = XMLText.parse(response.body).first("UploadId") else {
            throw S3Error(status: 200, code: "MalformedResponse", message: "no UploadId in the answer", operation: "POST", key: key)
        }
        return id
    }

    /// Uploads part `number` (1 to 10,000) and answers its ETag.
    public func uploadPart(_ key: String, uploadID: String, number: Int, body: ByteBuffer) async throws -> String {
        let response = try await send("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: body, accept: [200])
        guard let etag = response.headers.first(name: "etag") else {
            throw S3Error(status: 200, code: "MalformedResponse", message: "no ETag for part \(number)", operation: "PUT", key: key)
        }
        return etag
    }

    /// The parts uploaded so far, by number: what a writer resumed on another node starts from.
    public func listParts(_ key: String, uploadID: String) async throws -> [(number: Int, etag: String, size: Int64)] {
        var parts: [(number: Int, etag: String, size: Int64)] = []
        var marker: String?
        repeat {
            var query = [("uploadId", uploadID)]
            if let marker { query.append(("part-number-marker", marker)) }
            let response = try await send("GET", key: key, query: query, accept: [200])
            let answer = try Self.wellFormed(XMLText.parse(response.body), "ListParts", key: key)
            let numbers = answer.values("Part/PartNumber"), etags = answer.values("Part/ETag"), sizes = answer.values("Part/Size")
            for (i, number) in numbers.enumerated() where i < etags.count && i < sizes.count {
                parts.append((Int(number) ?? 0, etags[i], Int64(sizes[i]) ?? 0))
            }
            marker = answer.first("IsTruncated") == "true" ? answer.first("NextPartNumberMarker") : nil
        } while marker != nil
        return parts
    }

    public func completeMultipartUpload(_ key: String, uploadID: String, parts: [(number: Int, etag: String)]) async throws {
        var xml = "<CompleteMultipartUpload>"
        for part in parts.sorted(by: { $0.number < $1.number }) {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(XMLText.escape(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try await send("POST", key: key, query: [("uploadId", uploadID)], body: ByteBuffer(string: xml), accept: [200, 404])
        let answer = XMLText.parse(response.body)
        // A retried completion whose first answer was lost finds the upload gone: done if the
        // object is there.
        if response.status == .notFound {
            if answer.errorCode == "NoSuchUpload", try await head(key) != nil { return }
            throw S3Error(status: 404, code: answer.errorCode ?? "NotFound", message: "CompleteMultipartUpload failed", operation: "POST", key: key)
        }
        // S3 may answer 200 and put the failure, or a cut answer, in the body.
        // AWS names the answer CompleteMultipartUploadResult; some compatible servers say Response.
        guard answer.wellFormed, answer.root.hasPrefix("CompleteMultipartUpload") else {
            throw S3Error(status: 200, code: answer.errorCode ?? "MalformedResponse", message: "CompleteMultipartUpload failed", operation: "POST", key: key)
        }
    }

    public func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        _ = try await send("DELETE", key: key, query: [("uploadId", uploadID)], accept: [200, 204, 404])
    }

    /// A URL that lets its holder GET the object for `expires` seconds (pull redirects).
    public func presignedURL(_ key: String, expires: Int) throws -> String {
        let (url, path, host) = try address(key: key)
        return url + "?" + signer.presignedQuery(method: "GET", path: path, host: host, expires: expires)
    }

    // MARK: - Sending

    /// The answer, or an error when it was not well-formed XML.
    static func wellFormed(_ document: XMLText.Document, _ operation: String, key: String) throws -> XMLText.Document {
        guard document.wellFormed else { throw S3Error(status: 200, code: "MalformedResponse", message: "the answer is not well-formed XML", operation: operation, key: key) }
        return document
    }

    struct Answer {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: ByteBuffer
    }

    /// Sends a call whose answer is small, retrying where S3 says to; `accept` lists the
    /// statuses that are answers rather than errors.
    func send(_ method: String, key: String, query: [(String, String)] = [], headers: [String: String] = [:],
              body: ByteBuffer? = nil, accept: Set<UInt>) async throws -> Answer {
        let response = try await execute { try makeRequest(method, key: key, query: query, headers: headers, body: body) }
        guard accept.contains(response.status.code) else { throw try await S3Error.from(response, operation: method, key: key) }
        let bytes = method == "HEAD" ? ByteBuffer() : try await response.body.collect(upTo: 16 << 20)
        return Answer(status: response.status, headers: response.headers, body: bytes)
    }

    /// Runs the request, again after a pause while S3 answers 5xx or the connection fails. Each
    /// attempt is signed afresh: S3 refuses a signature more than 15 minutes old.
    func execute(_ makeRequest: () throws -> HTTPClientRequest) async throws -> HTTPClientResponse {
        var pause: UInt64 = 100_000_000
        for attempt in 1...attempts {
            let request = try makeRequest()
            do {
                let response = try await http.execute(request, timeout: .seconds(300))
                guard response.status.code >= 500, attempt < attempts else { return response }
                _ = try? await response.body.collect(upTo: 1 << 20)
            } catch let error as S3Error {
                throw error
            } catch {
                if attempt == attempts { throw S3Error(status: 0, code: "Unreachable", message: "\(error)", operation: request.method.rawValue, key: request.url) }
            }
            try await Task.sleep(nanoseconds: pause)
            pause = min(pause * 2, 5_000_000_000)
        }
        throw S3Error(status: 0, code: "Unreachable", message: "no answer", operation: "", key: location.endpoint)
    }

    func makeRequest(_ method: String, key: String, query: [(String, String)], headers: [String: String], body: ByteBuffer?) throws -> HTTPClientRequest {
        let (url, path, host) = try address(key: key)
        let payload = body.map { buffer in buffer.withUnsafeReadableBytes { SigV4.hex(SHA256.hash(data: $0)) } } ?? SigV4.emptyPayloadHash
        var signedHeaders = headers
        signedHeaders["host"] = host
        if let body { signedHeaders["content-length"] = String(body.readableBytes) }
        let added = signer.sign(method: method, path: path, query: query, headers: signedHeaders, payloadHash: payload)
        let queryString = SigV4.canonicalQuery(query)
        var request = HTTPClientRequest(url: queryString.isEmpty ? url : url + "?" + queryString)
        request.method = HTTPMethod(rawValue: method)
        // The Host sent must be the Host signed (AsyncHTTPClient would drop a default port).
        request.headers.replaceOrAdd(name: "host", value: host)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        for (name, value) in added { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        return request
    }

    /// The URL (its path encoded), the path as signed, and the host for `key`.
    func address(key: String) throws -> (url: String, path: String, host: String) {
        guard let components = URLComponents(string: location.endpoint), let scheme = components.scheme, let baseHost = components.host else {
            throw S3Error(status: 0, code: "InvalidEndpoint", message: "\(location.endpoint) is not a URL", operation: "", key: key)
        }
        let port = components.port.map { ":\($0)" } ?? ""
        // Bucket calls (list, delete many) name the bucket alone.
        let path = location.pathStyle ? (key.isEmpty ? "/\(location.bucket)" : "/\(location.bucket)/\(key)") : "/\(key)"
        let host = (location.pathStyle ? baseHost : "\(location.bucket).\(baseHost)") + port
        return ("\(scheme)://\(host)\(SigV4.canonicalPath(path))", path, host)
    }
}
