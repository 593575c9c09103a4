import Foundation
import Jobs
import Metadata
import OCI

/// Starts and stops scans: one execution per image and scan kind (`IMAGE_SCAN` or `SBOM`), so each
/// platform of an index is scanned (and can be stopped, retried and logged) on its own. Used by the
/// scan API, auto-scan and auto-SBOM on push, and scan-all.
public struct ScanRequester: Sendable {

    let artifacts: ArtifactStore
    let reports: ScanReportStore
    let jobs: JobStore
    let registrations: ScannerRegistrationStore
    /// Wakes this process's workers after an enqueue (nil in tools that only enqueue).
    let notify: @Sendable () -> Void

    /// Told of a scan stopped before a worker took it (a running one is told by its worker).
    let stoppedWhilePending: JobWorkerPool.FinishObserver?

    public init(database: MetadataDatabase, notify: @escaping @Sendable () -> Void = {},
                stoppedWhilePending: JobWorkerPool.FinishObserver? = nil) {
        artifacts = ArtifactStore(database: database)
        reports = ScanReportStore(database: database)
        jobs = JobStore(database: database)
        registrations = ScannerRegistrationStore(database: database)
        self.notify = notify
        self.stoppedWhilePending = stoppedWhilePending
    }

    /// What a scan of this artifact means.
    public enum Target: Sendable, Equatable {
        case image
        case index
        /// Harbor answers these with 400: the scanner does not read this kind of artifact.
        case unsupported(String)
    }

    public static func target(of record: ArtifactRecord) -> Target {
        guard let manifest = try? Manifest(bytes: record.payload, contentType: record.mediaType) else {
            return .unsupported("the artifact \(record.digest) is not a manifest the scanner can read")
        }
        if manifest.kind == .index { return .index }
        guard manifest.isContainerImage else {
            let type = manifest.config?.mediaType ?? record.mediaType
            return .unsupported("the configured scanner \(BuiltinScanner.name) does not support scanning artifact with mime type \(record.mediaType) (config \(type)): only container images are scanned")
        }
        return .image
    }

    /// Requests scans of an image, or of every image an index lists; returns the report uuids.
    /// Throws `ScanRequestError.unsupported` for other artifacts.
    @discardableResult
    public func request(_ record: ArtifactRecord, trigger: JobTrigger, kind: ScanKind = .vulnerability) async throws -> [String] {
        let images = try await scannableImages(record)
        guard !images.isEmpty else {
            throw ScanRequestError.unsupported("the configured scanner \(BuiltinScanner.name) does not support scanning artifact with mime type \(record.mediaType): the index lists no container image")
        }
        let scanner = try await self.scanner(forProject: record.projectID, kind: kind)
        var uuids: [String] = []
        for image in images {
            let ids = try await jobs.enqueueTask(vendorType: kind.jobType, vendorID: image.id, trigger: trigger,
                                                 task: Self.task(for: image.id, kind: kind, scanner: scanner))
            uuids.append(try await reports.request(manifestID: image.id, registrationUUID: scanner,
                                                   scanType: kind.rawValue, taskID: ids.task))
        }
        notify()
        return uuids
    }

    /// The registration that scans the project's images: its chosen or the default external
    /// scanner for vulnerabilities, else (and always for SBOMs) the built-in one.
    func scanner(forProject projectID: Int64, kind: ScanKind) async throws -> String {
        guard kind == .vulnerability else { return BuiltinScanner.uuid }
        return try await registrations.effective(forProject: projectID)?.uuid ?? BuiltinScanner.uuid
    }

    /// The task (`IMAGE_SCAN` or `SBOM`) of one image.
    static func task(for manifestID: Int64, kind: ScanKind, scanner: String = BuiltinScanner.uuid) -> TaskSpec {
        let parameters = ScanJobParameters(manifestID: manifestID, registrationUUID: scanner, scanType: kind.rawValue)
        return TaskSpec(jobType: kind.jobType, parameters: parameters.json, maxAttempts: kind.attempts)
    }

    /// Adds vulnerability scans of these images to a running execution (scan-all's), skipping
    /// images whose scan is still pending or running; returns how many were added.
    func add(_ images: [ArtifactRecord], toExecution executionID: Int64) async throws -> Int {
        let current = try await reports.reports(manifestIDs: images.map(\.id))
        let idle = images.filter { image in
            !(current[image.id] ?? []).contains { !(TaskStatus(rawValue: $0.status)?.isFinal ?? true) }
        }
        var scanners: [Int64: String] = [:]
        for projectID in Set(idle.map(\.projectID)) { scanners[projectID] = try await scanner(forProject: projectID, kind: .vulnerability) }
        let ids = try await jobs.addTasks(idle.map { Self.task(for: $0.id, kind: .vulnerability, scanner: scanners[$0.projectID]!) },
                                          toExecution: executionID)
        for (image, task) in zip(idle, ids) {
            try await reports.request(manifestID: image.id, registrationUUID: scanners[image.projectID]!,
                                      scanType: ScanKind.vulnerability.rawValue, taskID: task)
        }
        if !idle.isEmpty { notify() }
        return idle.count
    }

    /// The images an execution (scan-all's) already has a scan task for, whatever its status.
    func imagesQueued(inExecution executionID: Int64) async throws -> Set<Int64> {
        let decoder = JSONDecoder()
        return Set(try await jobs.tasks(ofExecution: executionID).compactMap { task in
            guard task.jobType == ScanKind.vulnerability.jobType else { return nil }
            return try? decoder.decode(ScanJobParameters.self, from: Data(task.parameters.utf8)).manifest_id
        })
    }

    /// Stops the running scans of the artifact (and of an index's images); false when none ran.
    public func stop(_ record: ArtifactRecord, kind: ScanKind = .vulnerability) async throws -> Bool {
        var stopped = false
        for image in try await scannableImages(record) {
            for report in try await reports.reports(manifestIDs: [image.id], scanType: kind.rawValue)[image.id] ?? [] {
                guard let task = report.taskID, !(TaskStatus(rawValue: report.status)?.isFinal ?? true) else { continue }
                guard try await jobs.stopTask(task) else { continue }
                stopped = true
                if let ended = try await jobs.task(task), ended.status == .stopped { await stoppedWhilePending?(ended, .stopped, nil) }
            }
        }
        return stopped
    }

    /// The images a scan of `record` covers, none for an artifact the scanner does not read: what
    /// the overview sums, the 409 check looks at and a report log may belong to.
    public func images(of record: ArtifactRecord) async throws -> [ArtifactRecord] {
        do { return try await scannableImages(record) } catch is ScanRequestError { return [] }
    }

    /// The images a scan of `record` covers; throws for an artifact the scanner does not read.
    func scannableImages(_ record: ArtifactRecord, depth: Int = 0) async throws -> [ArtifactRecord] {
        switch Self.target(of: record) {
        case .image:
            return [record]
        case .unsupported(let reason):
            throw ScanRequestError.unsupported(reason)
        case .index:
            guard depth < 2 else { return [] }
            let children = try await artifacts.artifacts(ids: Array(try await artifacts.childIDs(of: record.id).values))
            var images: [ArtifactRecord] = []
            for child in children.sorted(by: { $0.digest < $1.digest }) {
                switch Self.target(of: child) {
                case .image: images.append(child)
                case .index: images += try await scannableImages(child, depth: depth + 1)
                case .unsupported: continue // attestations, signatures and other artifacts an index lists
                }
            }
            return images
        }
    }
}

public enum ScanRequestError: Error, Equatable {
    case unsupported(String)
}

/// The parameters of an `IMAGE_SCAN` or `SBOM` task.
public struct ScanJobParameters: Codable, Sendable, Equatable {
    public var manifest_id: Int64
    public var registration_uuid: String
    public var scan_type: String

    public init(manifestID: Int64, registrationUUID: String, scanType: String) {
        manifest_id = manifestID
        registration_uuid = registrationUUID
        scan_type = scanType
    }

    public var json: String { CanonicalJSON.string(self) }
}
