/// A task's life, as Harbor's job service names it:
///
///     Pending -> Running -> Success | Error | Stopped
///        |          \-> Pending (retried after an error, or its worker's lease expired)
///        \-> Stopped
///
/// Every status change in `JobStore` is one conditional UPDATE that names the status it leaves, so
/// two nodes can never both move a task; `canMove(to:)` is the rule those conditions spell out.
public enum TaskStatus: String, Sendable, Codable, CaseIterable {
    case pending = "Pending"
    case running = "Running"
    case success = "Success"
    case error = "Error"
    case stopped = "Stopped"

    public var isFinal: Bool { self == .success || self == .error || self == .stopped }

    public func canMove(to next: TaskStatus) -> Bool {
        switch (self, next) {
        case (.pending, .running), (.pending, .stopped): true
        case (.running, .success), (.running, .error), (.running, .stopped), (.running, .pending): true
        default: false
        }
    }

    /// An execution's status from its tasks': running while any task is unfinished, then Error if any
    /// failed, Stopped if any was stopped, else Success.
    public static func aggregate(_ statuses: [TaskStatus]) -> TaskStatus {
        if statuses.isEmpty { return .success }
        if statuses.contains(.running) { return .running }
        if statuses.contains(.pending) { return statuses.allSatisfy { $0 == .pending } ? .pending : .running }
        if statuses.contains(.error) { return .error }
        if statuses.contains(.stopped) { return .stopped }
        return .success
    }
}

/// What started an execution (Harbor's `trigger`).
public enum JobTrigger: String, Sendable, Codable {
    case manual = "MANUAL"
    case schedule = "SCHEDULE"
    case event = "EVENT"
}
