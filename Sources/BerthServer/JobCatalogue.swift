import BlobStore
import Jobs
import Metadata
import RemoteRegistry
import Services

/// Every job kind this binary runs: the one list a new feature adds its `JobKind` to.
enum JobCatalogue {
    static func kinds(database: MetadataDatabase, blobs: BlobStore, uploadExpiry: UploadExpiry,
                      vulndbCredentials: RemoteCredentials?, external: ExternalScanner,
                      replication: ReplicationEndpoints, sealer: any SecretSealer) -> [any JobKind] {
        [
            GarbageCollectionJob(collector: GarbageCollector(database: database, blobs: blobs, uploads: uploadExpiry)),
            ScrubJob(scrubber: Scrubber(database: database, blobs: blobs)),
            AuditPurgeJob(database: database),
            RetentionJob(database: database),
            ArtifactScanJob(database: database, blobs: blobs, external: external, sealer: sealer),
            SBOMGenerationJob(database: database, blobs: blobs),
            CVEExportJob(database: database, blobs: blobs),
            ScanAllJob(database: database, requester: ScanRequester(database: database)),
            AdvisoryUpdateJob(database: database, credentials: vulndbCredentials),
            AdapterScanJob(database: database),
            ReplicationJob(database: database, endpoints: replication),
            ReplicationTaskJob(endpoints: replication),
        ]
    }
}
