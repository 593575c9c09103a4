import Metadata

/// Harbor's `Label`, as answered and as `POST|PUT /labels` take it.
struct LabelJSON: Codable {
    var id: Int64?
    var name: String?
    var description: String?
    var color: String?
    var scope: String?
    var project_id: Int64?
    var creation_time: String?
    var update_time: String?

    init(_ record: LabelRecord) {
        id = record.id
        name = record.name
        description = record.description
        color = record.color
        scope = record.scope
        project_id = record.projectID ?? 0
        creation_time = Timestamp.rfc3339(millis: record.creationTime)
        update_time = Timestamp.rfc3339(millis: record.updateTime)
    }
}
