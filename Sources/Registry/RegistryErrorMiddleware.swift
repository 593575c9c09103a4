import Access
import BlobStore
import Foundation
import HTTPTypes
import Hummingbird
import Metadata
import OCI

/// Renders every error thrown below it as an OCI error body
/// `{"errors":[{"code":...,"message":...,"detail":...}]}` with the registered status.
public struct RegistryErrorMiddleware<Context: RegistryContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let registryError = RegistryErrorRendering.translate(error)
            if registryError.code == .unknown || registryError.code == .unavailable {
                context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
            response = RegistryErrorRendering.render(registryError, includeBody: request.method != .head)
        }
        response.headers[.dockerDistributionAPIVersion] = "registry/2.0"
        return response
    }
}

/// The error registry's rendering and the one place where lower layers' errors become registry
/// error codes.
enum RegistryErrorRendering {
    static func render(_ error: RegistryError, includeBody: Bool) -> Response {
        struct Body: Encodable {
            struct Entry: Encodable { let code: String; let message: String; let detail: String? }
            let errors: [Entry]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let json = (try? encoder.encode(Body(errors: [.init(code: error.code.rawValue, message: error.message, detail: error.detail)]))) ?? Data()
        var headers = error.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(json.count)
        return Response(status: error.status, headers: headers,
                        body: includeBody ? .init(byteBuffer: ByteBuffer(bytes: json)) : .init())
    }

    static func translate(_ error: any Error) -> RegistryError {
        switch error {
        case let error as RegistryError:
            return error
        case let error as OCIFormatError:
            switch error {
            case .digestInvalid(let m): return RegistryError(.digestInvalid, m)
            case .nameInvalid(let m): return RegistryError(.nameInvalid, m)
            case .tagInvalid(let m): return RegistryError(.tagInvalid, m)
            case .manifestInvalid(let m): return RegistryError(.manifestInvalid, m)
            case .unsupportedManifest(let m): return RegistryError(.manifestInvalid, m, status: .unsupportedMediaType)
            }
        case let error as BlobStoreError:
            switch error {
            case .blobUnknown(let d): return RegistryError(.blobUnknown, "blob \(d) is unknown to this repository")
            case .uploadUnknown(let id): return RegistryError(.blobUploadUnknown, "upload session \(id) is unknown or finished")
            case .rangeInvalid(let size):
                var headers = HTTPFields()
                headers[.range] = UploadHandlers.rangeHeader(size)
                return RegistryError(.rangeInvalid, "chunk does not start at byte \(size), where the upload ends", status: .rangeNotSatisfiable, headers: headers)
            case .digestMismatch(let expected, let actual):
                return RegistryError(.digestInvalid, "uploaded content has digest \(actual), not \(expected)")
            case .sizeMismatch(let expected, let actual):
                return RegistryError(.sizeInvalid, "expected \(expected) bytes, received \(actual)")
            case .uploadBusy(let id):
                return RegistryError(.blobUploadInvalid, "upload session \(id) is receiving another request")
            }
        case let error as MetadataError:
            switch error {
            case .projectUnknown(let name): return RegistryError(.nameUnknown, "project \(name) not found")
            case .repositoryUnknown(let name): return RegistryError(.nameUnknown, "repository \(name) not found")
            case .manifestUnknown(let ref): return RegistryError(.manifestUnknown, "manifest \(ref) not found")
            case .manifestReferencesMissing(let blobs, let manifests):
                let missing = (blobs + manifests).map(\.description).joined(separator: ", ")
                return RegistryError(.manifestBlobUnknown,
                                     "manifest references content this repository does not have: \(missing)",
                                     status: .badRequest)
            case .manifestReferenced(let parent):
                return RegistryError(.violateForeignKeyConstraint, MetadataError.referencedMessage(parent))
            case .tagImmutable(let repository, let tag, let moving):
                return RegistryError(.precondition, MetadataError.immutableMessage(repository: repository, tag: tag, moving: moving))
            case .invalidConfiguration(let m), .conflict(let m):
                return RegistryError(.unknown, m)
            case .unavailable(let message):
                return RegistryError(.unavailable, message)
            }
        case let error as DirectoryUnavailable:
            return RegistryError(.unavailable, "sign-in could not be checked: \(error.message); try again")
        case let error as StorageDriverError:
            switch error {
            case .service(_, _, let message):
                // The storage service's own words (S3's code and message), never a credential.
                return RegistryError(.unavailable, "the blob storage failed: \(message); try again")
            case .io(_, _, let code) where code == ENOSPC || code == EDQUOT:
                // Nothing of a monolithic upload stays; a chunked session keeps what it had and
                // resumes from there once space is freed.
                return RegistryError(.blobUploadInvalid, "the registry's storage is full: the upload was not stored; try again later",
                                     status: .init(code: 507, reasonPhrase: "Insufficient Storage"))
            case .io(_, _, let code) where code == EROFS:
                return RegistryError(.unavailable, "the registry's storage is read-only: nothing can be stored now; pulls still work")
            default:
                return RegistryError(.unknown, "internal error")
            }
        default:
            return RegistryError(.unknown, "internal error")
        }
    }
}
