import Access
import Foundation
import Services

extension SystemJob {
    /// `/system/gc`: parameters `delete_untagged`, `dry_run`, `workers` (1 to 10).
    static let garbageCollection = SystemJob(
        jobType: GarbageCollectionJob.jobType, path: "/api/v2.0/system/gc", resource: .garbageCollection, maxAttempts: 3
    ) { body in
        struct Envelope: Decodable { let parameters: GarbageCollectionParameters? }
        let parameters = try JSONDecoder().decode(Envelope.self, from: body).parameters ?? GarbageCollectionParameters()
        if let violation = parameters.violation { throw APIError.badRequest(violation) }
        return parameters.json
    }
}
