import Foundation

/// Swagger's `NativeReportSummary`: one entry of `scan_overview`.
struct NativeReportSummaryResp: Encodable, Equatable {
    struct VulnerabilitySummaryResp: Codable, Equatable {
        var total: Int
        var fixable: Int
        var summary: [String: Int]
    }
    let report_id: String
    let scan_status: String
    let severity: String
    let duration: Int64
    let summary: VulnerabilitySummaryResp?
    let start_time: String?
    let end_time: String?
    let complete_percent: Int
    let scanner: ScannerResp
}

struct ScannerResp: Encodable, Equatable {
    let name: String
    let vendor: String
    let version: String
}

/// Swagger's `ScannerRegistration`.
struct ScannerRegistrationResp: Encodable {
    let uuid: String
    let name: String
    let description: String
    let url: String
    let disabled: Bool
    let is_default: Bool
    let auth: String
    let access_credential: String
    let skip_certVerify: Bool
    let use_internal_addr: Bool
    let create_time: String
    let update_time: String
    let adapter: String
    let vendor: String
    let version: String
    let health: String
    let capabilities: [String: Bool]
}

/// Swagger's `ScannerAdapterMetadata`.
struct ScannerAdapterMetadataResp: Encodable {
    struct Capability: Encodable {
        let type: String
        let consumes_mime_types: [String]
        let produces_mime_types: [String]
    }
    let scanner: ScannerResp
    let capabilities: [Capability]
    let properties: [String: String]
}

struct ProjectScannerReq: Decodable {
    let uuid: String?
}

struct IsDefaultReq: Decodable {
    let is_default: Bool?
}

struct ScanTypeReq: Decodable {
    let scan_type: String?
}

/// Swagger's `CVEAllowlist`, both ways.
struct CVEAllowlistBody: Codable {
    struct Item: Codable { let cve_id: String? }
    let id: Int64?
    let project_id: Int64?
    let expires_at: Int64?
    let items: [Item]?
    let creation_time: String?
    let update_time: String?
}

/// Swagger's `ScannerRegistrationReq` (`POST`/`PUT /scanners`).
struct ScannerRegistrationReq: Decodable {
    let name: String?
    let description: String?
    let url: String?
    let auth: String?
    let access_credential: String?
    let skip_certVerify: Bool?
    let use_internal_addr: Bool?
    let disabled: Bool?

    var settings: ScannerRegistrationSettingsReq {
        ScannerRegistrationSettingsReq(name: name, url: url, auth: auth, access_credential: access_credential)
    }
}

/// Swagger's `ScannerRegistrationSettings` (`POST /scanners/ping`).
struct ScannerRegistrationSettingsReq: Decodable {
    let name: String?
    let url: String?
    let auth: String?
    let access_credential: String?
}
