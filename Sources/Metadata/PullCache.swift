import NIOConcurrencyHelpers
import NIOCore
import OCI

/// A project as a pull needs it: the row, and whether any pull policy (vulnerability prevention,
/// content trust) is switched on, so that a project with none skips the policy statement.
public struct PullProject: Sendable, Equatable {
    public let project: Project
    public let hasPullGates: Bool
}

/// The registry's hottest reads (a project by name, a manifest by tag or digest) kept between
/// requests while the change clock stands still (`ChangeClock`). A request reads the clock once,
/// before any row, and passes that stamp to each lookup; an entry is used only when it was read
/// at the same stamp. Nothing is cached for a name that does not exist, so a new project or
/// manifest never waits on the clock. Entries also age out after `maximumAgeSeconds`, which
/// bounds how long another node could serve an answer if a change could not be counted.
public final class PullCache: Sendable {
    public static let maximumAgeSeconds: Int64 = 10
    static let maximumProjects = 10_000
    static let maximumManifests = 50_000
    static let maximumPayloadBytes = 64 << 20

    /// How long an entry may serve, however still the clock: `maximumAgeSeconds`, or longer in tests.
    private let maximumAge: TimeAmount
    private let projects: ProjectStore
    private let artifacts: ArtifactStore
    private let clock: ChangeClock
    private let projectEntries = NIOLockedValueBox(Entries<PullProject>())
    private let manifestEntries = NIOLockedValueBox(Entries<StoredManifest>())

    struct Entry<Value: Sendable>: Sendable {
        let value: Value
        let stamp: ChangeStamp
        let bornAt: NIODeadline
        let bytes: Int
    }

    struct Entries<Value: Sendable>: Sendable {
        var byKey: [String: Entry<Value>] = [:]
        var bytes = 0

        func fresh(_ key: String, at stamp: ChangeStamp, now: NIODeadline, maximumAge: TimeAmount) -> Value? {
            guard let entry = byKey[key], entry.stamp == stamp, now - entry.bornAt < maximumAge else { return nil }
            return entry.value
        }

        /// Keeps `entry`, first dropping about a quarter of the others when over a limit: a cheap
        /// bound, and the entries dropped are arbitrary rather than the least used.
        mutating func keep(_ key: String, _ entry: Entry<Value>, maximumCount: Int, maximumBytes: Int) {
            if let old = byKey.updateValue(entry, forKey: key) { bytes -= old.bytes }
            bytes += entry.bytes
            guard byKey.count > maximumCount || bytes > maximumBytes else { return }
            for key in byKey.keys.prefix(byKey.count / 4 + 1) {
                bytes -= byKey.removeValue(forKey: key)?.bytes ?? 0
            }
        }
    }

    public init(database: MetadataDatabase, maximumAge: TimeAmount = .seconds(PullCache.maximumAgeSeconds)) {
        self.maximumAge = maximumAge
        projects = ProjectStore(database: database)
        artifacts = ArtifactStore(database: database)
        clock = database.changes
    }

    /// The stamp a request's lookups use; nil (the clock could not be read) means read every row.
    public func stamp() async -> ChangeStamp? {
        await clock.now()
    }

    public func project(named name: String, at stamp: ChangeStamp?) async throws -> PullProject? {
        if let stamp, let cached = projectEntries.withLockedValue({ $0.fresh(name, at: stamp, now: .now(), maximumAge: maximumAge) }) {
            return cached
        }
        guard let found = try await projects.findForPull(name: name) else { return nil }
        if let stamp {
            let entry = Entry(value: found, stamp: stamp, bornAt: .now(), bytes: 0)
            projectEntries.withLockedValue { $0.keep(name, entry, maximumCount: Self.maximumProjects, maximumBytes: .max) }
        }
        return found
    }

    /// A manifest of `repository` by tag or digest; an entry read without its payload serves only
    /// requests that do not need it.
    public func manifest(_ reference: Reference, in repository: RepositoryName, withPayload: Bool,
                         at stamp: ChangeStamp?) async throws -> StoredManifest? {
        let key = repository.value + "\u{0}" + reference.description
        if let stamp, let cached = manifestEntries.withLockedValue({ $0.fresh(key, at: stamp, now: .now(), maximumAge: maximumAge) }),
           cached.payload != nil || !withPayload {
            return cached
        }
        guard let found = try await artifacts.manifest(reference, in: repository, withPayload: withPayload) else { return nil }
        if let stamp {
            let entry = Entry(value: found, stamp: stamp, bornAt: .now(), bytes: found.payload?.count ?? 0)
            manifestEntries.withLockedValue {
                $0.keep(key, entry, maximumCount: Self.maximumManifests, maximumBytes: Self.maximumPayloadBytes)
            }
        }
        return found
    }
}
