import Foundation
import Hummingbird
import OCI

/// The small pictures the portal shows beside an artifact, by kind. An artifact's `icon` is the
/// digest of its picture's bytes, and `GET /icons/{digest}` serves them as Harbor's `Icon`.
/// A chart's own `icon` (a URL in Chart.yaml) is not fetched: the server makes no request on a
/// pusher's behalf.
enum ArtifactIcon: CaseIterable {
    case image, chart, sbom, signature, accessory, unknown

    static func forArtifact(type: String) -> ArtifactIcon {
        switch type {
        case "IMAGE": .image
        case "CHART": .chart
        case "SBOM": .sbom
        default: .unknown
        }
    }

    static func forAccessory(_ type: AccessoryType) -> ArtifactIcon {
        switch type {
        case .cosignSignature, .notationSignature: .signature
        case .harborSBOM: .sbom
        case .subjectAccessory: .accessory
        }
    }

    var svg: String {
        let (color, mark) = switch self {
        case .image: ("#1d6fa5", ##"<rect x="10" y="14" width="28" height="20" rx="3" fill="none" stroke="#fff" stroke-width="3"/><path d="M10 22h28" stroke="#fff" stroke-width="3"/>"##)
        case .chart: ("#0f1689", ##"<circle cx="24" cy="24" r="11" fill="none" stroke="#fff" stroke-width="3"/><path d="M24 9v30M9 24h30" stroke="#fff" stroke-width="3"/>"##)
        case .sbom: ("#2e7d32", ##"<path d="M14 14h20M14 22h20M14 30h14" stroke="#fff" stroke-width="3" stroke-linecap="round"/>"##)
        case .signature: ("#6a1b9a", ##"<path d="M12 30c6-12 10-12 10-4s4 8 14-8" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/>"##)
        case .accessory: ("#5d6b78", ##"<circle cx="18" cy="24" r="5" fill="#fff"/><circle cx="31" cy="24" r="5" fill="#fff"/>"##)
        case .unknown: ("#8a8a8a", ##"<circle cx="24" cy="24" r="6" fill="#fff"/>"##)
        }
        return ##"<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48"><rect width="48" height="48" rx="8" fill="\##(color)"/>\##(mark)</svg>"##
    }

    var digest: String { Self.digests[self]! }

    private static let digests: [ArtifactIcon: String] = Dictionary(uniqueKeysWithValues: allCases.map {
        ($0, Digest.of(Array($0.svg.utf8)).description)
    })

    static func named(_ digest: String) -> ArtifactIcon? { allCases.first { $0.digest == digest } }
}

/// `GET /icons/{digest}`: Harbor's `Icon` (content type and base64 content).
struct IconHandlers {
    struct IconResp: Encodable {
        let contentType: String
        let content: String
        enum CodingKeys: String, CodingKey {
            case contentType = "content-type"
            case content
        }
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let digest = context.parameters.get("digest") ?? ""
        guard (try? Digest(parsing: digest)) != nil else { throw APIError.badRequest("\(digest.prefix(100)) is not a digest") }
        guard let icon = ArtifactIcon.named(digest) else { throw APIError.notFound("no icon has the digest \(digest)") }
        return try JSONResponse.ok(IconResp(contentType: "image/svg+xml", content: Data(icon.svg.utf8).base64EncodedString()))
    }
}
