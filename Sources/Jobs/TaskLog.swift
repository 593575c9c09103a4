/// A task's log is kept in the database with the task, bounded: only the last `limit` characters
/// stay, and the total ever written is counted so the log can say how much was dropped.
public struct TaskLog: Sendable, Equatable {
    public static let limit = 256 * 1024

    /// The kept tail.
    public let text: String
    /// Characters ever appended, kept or not.
    public let totalLength: Int64

    public init(text: String, totalLength: Int64) {
        self.text = text
        self.totalLength = totalLength
    }

    public var droppedLength: Int64 { max(0, totalLength - Int64(text.count)) }

    /// The log as served: a first line says when its beginning was dropped.
    public var rendered: String {
        guard droppedLength > 0 else { return text }
        return "[the first \(droppedLength) characters of this log were dropped; the last \(text.count) are kept]\n" + text
    }
}
