import Foundation
import OCI
import SQLKit

/// An accessory (a manifest whose `subject` is another manifest of its repository) with the
/// artifact it belongs to.
public struct AccessoryRecord: Sendable {
    public let accessory: ArtifactRecord
    public let subjectID: Int64
    public let subjectDigest: Digest
}

/// A signature-like accessory as the content-trust gate reads it: the manifest it covers and its
/// own payload.
public struct SignatureCandidate: Sendable {
    public let subject: Digest
    public let mediaType: String
    public let payload: [UInt8]
}

extension ArtifactStore {
    /// Accessories of the given artifacts, by the id of the artifact they belong to, oldest first.
    public func accessories(ofArtifacts ids: [Int64]) async throws -> [Int64: [AccessoryRecord]] {
        guard !ids.isEmpty else { return [:] }
        var query = SQLQueryString("""
            SELECT \(Self.artifactColumns), s.id AS subject_id, s.digest AS subject_digest
            FROM manifests s JOIN manifests m ON m.repository_id = s.repository_id AND m.subject_digest = s.digest
            JOIN repositories r ON r.id = m.repository_id WHERE s.id IN (
            """)
        query.appendInterpolation(binds: Array(Set(ids)))
        query.appendInterpolation(unsafeRaw: ") ORDER BY m.created_at, m.id")
        let final = query
        return try await database.read { db in
            let records = try await db.raw(final).all().map { row in
                AccessoryRecord(accessory: try Self.artifact(row),
                                subjectID: try row.decode(column: "subject_id", as: Int64.self),
                                subjectDigest: try Digest(parsing: row.decode(column: "subject_digest", as: String.self)))
            }
            return Dictionary(grouping: records, by: \.subjectID)
        }
    }

    /// The indexes that list each of the given artifacts, by child id.
    public func parents(ofArtifacts ids: [Int64]) async throws -> [Int64: [Int64]] {
        guard !ids.isEmpty else { return [:] }
        var query = SQLQueryString("SELECT parent_id, child_id FROM manifest_references WHERE child_id IN (")
        query.appendInterpolation(binds: Array(Set(ids)))
        query.appendInterpolation(unsafeRaw: ") ORDER BY parent_id")
        let final = query
        return try await database.read { db in
            var parents: [Int64: [Int64]] = [:]
            for row in try await db.raw(final).all() {
                parents[try row.decode(column: "child_id", as: Int64.self), default: []].append(try row.decode(column: "parent_id", as: Int64.self))
            }
            return parents
        }
    }

    /// What the content-trust gate needs of a manifest: nil when the manifest is itself an
    /// accessory that nothing could run (pulling a signature, an attestation or an SBOM is never
    /// gated; an image that merely names a subject is), else the accessories of the manifest and
    /// of the indexes that list it (a signature on an index covers its images).
    public func signatureCandidates(manifestID: Int64) async throws -> [SignatureCandidate]? {
        try await database.read { db in
            let own = try await db.raw("SELECT subject_digest, media_type, payload FROM manifests WHERE id = \(bind: manifestID)").first()
            if let own, try own.decode(column: "subject_digest", as: String?.self) != nil,
               let parsed = try? Manifest(bytes: Array(try own.decode(column: "payload", as: Data.self)),
                                          contentType: try own.decode(column: "media_type", as: String.self)),
               !parsed.isRunnable { return nil }
            return try await db.raw("""
                SELECT s.digest AS subject, a.media_type, a.payload
                FROM manifests s JOIN manifests a ON a.repository_id = s.repository_id AND a.subject_digest = s.digest
                WHERE s.id = \(bind: manifestID) OR s.id IN (SELECT parent_id FROM manifest_references WHERE child_id = \(bind: manifestID))
                """).all().map { row in
                SignatureCandidate(subject: try Digest(parsing: row.decode(column: "subject", as: String.self)),
                                   mediaType: try row.decode(column: "media_type", as: String.self),
                                   payload: Array(try row.decode(column: "payload", as: Data.self)))
            }
        }
    }
}
