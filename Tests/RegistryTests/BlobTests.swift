import BerthTestSupport
import HTTPTypes
import HummingbirdTesting
import OCI
import Testing

@Suite struct BlobTests {
    let repo = "library/blobs"

    @Test func monolithicPushThenHeadAndGet() async throws {
        try await Harness.run { h in
            let bytes = Array("some layer bytes".utf8)
            let digest = Digest.of(bytes)
            let missing = try await h.request(.head, "/v2/\(repo)/blobs/\(digest)")
            #expect(missing.status == .notFound)

            let post = try await h.request(.post, "/v2/\(repo)/blobs/uploads/?digest=\(digest)", body: bytes)
            #expect(post.status == .created)
            #expect(post.header("Location") == "/v2/\(repo)/blobs/\(digest)")
            #expect(post.header("Docker-Content-Digest") == digest.description)

            let head = try await h.request(.head, "/v2/\(repo)/blobs/\(digest)")
            #expect(head.status == .ok)
            #expect(head.header("Content-Length") == String(bytes.count))
            #expect(head.header("Docker-Content-Digest") == digest.description)
            #expect(head.body.readableBytes == 0)

            let get = try await h.request(.get, "/v2/\(repo)/blobs/\(digest)")
            #expect(get.status == .ok)
            #expect(get.bytes == bytes)

            let notFound = try await h.request(.get, "/v2/\(repo)/blobs/\(Digest.of([1]))")
            #expect(notFound.status == .notFound)
            #expect(notFound.errorCode == "BLOB_UNKNOWN")
        }
    }

    @Test func rangeRequests() async throws {
        try await Harness.run { h in
            let bytes = (0..<2048).map { UInt8($0 % 256) }
            let digest = try await h.pushBlob(bytes, to: repo)
            let uri = "/v2/\(repo)/blobs/\(digest)"
            let cases: [(String, Range<Int>)] = [("bytes=500-1499", 500..<1500), ("bytes=500-", 500..<2048),
                                                 ("bytes=-500", 1548..<2048), ("bytes=2000-5000", 2000..<2048),
                                                 ("bytes=0-9223372036854775807", 0..<2048)]
            for (header, expected) in cases {
                var headers = Harness.admin
                headers[.range] = header
                let response = try await h.request(.get, uri, headers: headers)
                #expect(response.status == .partialContent, "\(header)")
                #expect(response.bytes == Array(bytes[expected]), "\(header)")
                #expect(response.header("Content-Range") == "bytes \(expected.lowerBound)-\(expected.upperBound - 1)/2048")
            }
            for header in ["bytes=500-0", "bytes=5000-10000", "bytes=1-2,4-5", "items=1-2"] {
                var headers = Harness.admin
                headers[.range] = header
                let response = try await h.request(.get, uri, headers: headers)
                #expect(response.status == .rangeNotSatisfiable, "\(header)")
                #expect(response.header("Content-Range") == "bytes */2048")
            }
        }
    }

    @Test func chunkedUploadWithOutOfOrderAndRetry() async throws {
        try await Harness.run { h in
            let bytes = (0..<3000).map { UInt8($0 % 199) }
            let first = Array(bytes[..<1200]), second = Array(bytes[1200...])
            let post = try await h.request(.post, "/v2/\(repo)/blobs/uploads/")
            #expect(post.status == .accepted)
            #expect(post.header("OCI-Chunk-Min-Length") != nil)
            #expect(post.header("Range") == "0-0")
            var location = try #require(post.header("Location"))

            func chunk(_ data: [UInt8], from start: Int, at uri: String) async throws -> TestResponse {
                var headers = Harness.admin
                headers[.contentRange] = "\(start)-\(start + data.count - 1)"
                headers[.contentType] = "application/octet-stream"
                return try await h.request(.patch, uri, headers: headers, body: data)
            }
            let outOfOrder = try await chunk(second, from: 1200, at: location)
            #expect(outOfOrder.status == .rangeNotSatisfiable)
            var huge = Harness.admin
            huge[.contentRange] = "0-9223372036854775807"
            #expect(try await h.request(.patch, location, headers: huge, body: []).status == .rangeNotSatisfiable)

            let firstResponse = try await chunk(first, from: 0, at: location)
            #expect(firstResponse.status == .accepted)
            #expect(firstResponse.header("Range") == "0-1199")
            let stale = location
            location = try #require(firstResponse.header("Location"))

            let retry = try await chunk(first, from: 0, at: stale)
            #expect(retry.status == .rangeNotSatisfiable)

            let status = try await h.request(.get, location)
            #expect(status.status == .noContent)
            #expect(status.header("Range") == "0-1199")
            #expect(status.header("Location") == location)

            let secondResponse = try await chunk(second, from: 1200, at: location)
            #expect(secondResponse.status == .accepted)
            #expect(secondResponse.header("Range") == "0-2999")

            let digest = Digest.of(bytes)
            let put = try await h.request(.put, try #require(secondResponse.header("Location")) + "?digest=\(digest)")
            #expect(put.status == .created)
            #expect(put.header("Docker-Content-Digest") == digest.description)
            #expect(try await h.request(.get, "/v2/\(repo)/blobs/\(digest)").bytes == bytes)
            #expect(try await h.request(.get, location).status == .notFound)
        }
    }

    @Test func streamedPatchThenPutWithFinalChunk() async throws {
        try await Harness.run { h in
            let bytes = Array("streamed-body-plus-final".utf8)
            let post = try await h.request(.post, "/v2/\(repo)/blobs/uploads/")
            let location = try #require(post.header("Location"))
            let patch = try await h.request(.patch, location, body: Array(bytes[..<13]))
            #expect(patch.status == .accepted)
            let digest = Digest.of(bytes)
            let put = try await h.request(.put, location + "?digest=\(digest)", body: Array(bytes[13...]))
            #expect(put.status == .created)
            #expect(try await h.request(.get, "/v2/\(repo)/blobs/\(digest)").bytes == bytes)
        }
    }

    @Test func wrongDigestIsRefusedAndNothingBecomesVisible() async throws {
        try await Harness.run { h in
            let bytes = Array("actual".utf8)
            let claimed = Digest.of(Array("claimed".utf8))
            let post = try await h.request(.post, "/v2/\(repo)/blobs/uploads/?digest=\(claimed)", body: bytes)
            #expect(post.status == .badRequest)
            #expect(post.errorCode == "DIGEST_INVALID")
            #expect(try await h.request(.head, "/v2/\(repo)/blobs/\(claimed)").status == .notFound)
            #expect(try await h.request(.head, "/v2/\(repo)/blobs/\(Digest.of(bytes))").status == .notFound)

            let session = try #require(try await h.request(.post, "/v2/\(repo)/blobs/uploads/").header("Location"))
            let put = try await h.request(.put, session + "?digest=\(claimed)", body: bytes)
            #expect(put.errorCode == "DIGEST_INVALID")
            let malformed = try await h.request(.put, session + "?digest=sha256:nothex", body: bytes)
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "DIGEST_INVALID")
        }
    }

    @Test func cancelAndUnknownSessions() async throws {
        try await Harness.run { h in
            let location = try #require(try await h.request(.post, "/v2/\(repo)/blobs/uploads/").header("Location"))
            #expect(try await h.request(.delete, location).status == .noContent)
            let gone = try await h.request(.get, location)
            #expect(gone.status == .notFound)
            #expect(gone.errorCode == "BLOB_UPLOAD_UNKNOWN")
            #expect(try await h.request(.patch, "/v2/\(repo)/blobs/uploads/not-a-uuid", body: [1]).errorCode == "BLOB_UPLOAD_UNKNOWN")
            // A session belongs to the repository it was opened in.
            let other = try #require(try await h.request(.post, "/v2/library/other/blobs/uploads/").header("Location"))
            let id = other.split(separator: "/").last!
            #expect(try await h.request(.get, "/v2/\(repo)/blobs/uploads/\(id)").status == .notFound)
        }
    }

    @Test func crossRepositoryMount() async throws {
        try await Harness.run { h in
            let digest = try await h.pushBlob(Array("shared layer".utf8), to: "library/source")
            let mount = try await h.request(.post, "/v2/library/target/blobs/uploads/?mount=\(digest)&from=library/source")
            #expect(mount.status == .created)
            #expect(mount.header("Location") == "/v2/library/target/blobs/\(digest)")
            #expect(try await h.request(.get, "/v2/library/target/blobs/\(digest)").text == "shared layer")

            let missing = try await h.request(.post, "/v2/library/target/blobs/uploads/?mount=\(Digest.of([9]))&from=library/source")
            #expect(missing.status == .accepted)
            #expect(missing.header("Location")?.hasPrefix("/v2/library/target/blobs/uploads/") == true)
            let noFrom = try await h.request(.post, "/v2/library/third/blobs/uploads/?mount=\(digest)")
            #expect(noFrom.status == .accepted)
        }
    }

    @Test func emptyBlobAndSHA512() async throws {
        try await Harness.run { h in
            let empty = Digest.of([])
            #expect(try await h.request(.post, "/v2/\(repo)/blobs/uploads/?digest=\(empty)").status == .created)
            let head = try await h.request(.head, "/v2/\(repo)/blobs/\(empty)")
            #expect(head.status == .ok && head.header("Content-Length") == "0")

            let bytes = Array("sha512 blob".utf8)
            let digest = Digest.of(bytes, algorithm: .sha512)
            #expect(try await h.request(.post, "/v2/\(repo)/blobs/uploads/?digest=\(digest)", body: bytes).status == .created)
            #expect(try await h.request(.get, "/v2/\(repo)/blobs/\(digest)").bytes == bytes)
        }
    }

    @Test func deleteUnlinksBlob() async throws {
        try await Harness.run { h in
            let digest = try await h.pushBlob([1, 2, 3], to: repo)
            #expect(try await h.request(.delete, "/v2/\(repo)/blobs/\(digest)").status == .accepted)
            #expect(try await h.request(.head, "/v2/\(repo)/blobs/\(digest)").status == .notFound)
            #expect(try await h.request(.delete, "/v2/\(repo)/blobs/\(digest)").errorCode == "BLOB_UNKNOWN")
        }
    }
}
