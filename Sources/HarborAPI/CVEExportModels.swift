/// Swagger's `ScanDataExportRequest` (note `cveIds`).
struct ScanDataExportReq: Decodable {
    var job_name: String?
    var projects: [Int64]?
    var labels: [Int64]?
    var repositories: String?
    var cveIds: String?
    var tags: String?
}

struct ScanDataExportJobResp: Encodable {
    let id: Int64
}

/// Swagger's `ScanDataExportExecution`.
struct ScanDataExportExecutionResp: Encodable {
    let id: Int64
    let user_id: Int64
    let status: String
    let trigger: String
    let start_time: String
    let end_time: String?
    let status_text: String
    let user_name: String
    let file_present: Bool
}

struct ScanDataExportExecutionListResp: Encodable {
    let items: [ScanDataExportExecutionResp]
}
