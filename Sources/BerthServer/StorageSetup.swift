import BlobStore
import S3Storage

/// Opens the storage `storage.driver` names and checks that it answers and takes writes before
/// Berth serves: a wrong bucket, endpoint or key stops start-up with S3's own reason.
enum StorageSetup {
    static func open(_ configuration: BerthConfiguration) async throws -> BlobStore {
        let driver: any StorageDriver
        switch configuration.storageDriver {
        case "s3":
            let settings = configuration.s3
            let location = S3Location(endpoint: settings.effectiveEndpoint, bucket: settings.bucket ?? "",
                                      region: settings.region, pathStyle: settings.pathStyle)
            let client = S3Client(location: location, credentials: .init(accessKey: settings.accessKey ?? "", secretKey: settings.secretKey ?? ""),
                                  encrypt: settings.encrypt)
            driver = S3Driver(client: client, options: .init(rootDirectory: settings.rootDirectory, chunkSize: settings.chunkSize,
                                                             redirect: settings.redirect))
        default:
            driver = try FilesystemDriver(root: configuration.effectiveFilesystemRoot)
        }
        let blobs = BlobStore(driver: driver)
        do {
            try await blobs.probe()
        } catch {
            throw StartupError(exitCode: 69, message: "the \(configuration.storageDriver) storage cannot be used: \(error)")
        }
        return blobs
    }
}

/// Start-up cannot go on: the storage does not answer (exit status 69, EX_UNAVAILABLE), or the
/// nodes' settings disagree (78, EX_CONFIG).
public struct StartupError: Error, CustomStringConvertible {
    public let exitCode: Int32
    public let message: String

    public var description: String { message }
}
