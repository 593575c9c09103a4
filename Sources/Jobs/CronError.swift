/// Why a cron expression or Harbor schedule was rejected.
///
/// The message is meant to be returned verbatim in Harbor-style API errors, so it
/// names the offending field and value rather than carrying a machine-readable code.
public struct CronError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
