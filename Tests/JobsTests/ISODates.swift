import Foundation

/// Tests state instants as ISO 8601 strings (fractional seconds allowed) so expected values read
/// like the hand calculation.
func instant(_ text: String) -> Date {
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    guard let date = ISO8601DateFormatter().date(from: text) ?? fractional.date(from: text) else { fatalError("bad test date \(text)") }
    return date
}

func iso(_ date: Date?) -> String? {
    date.map { ISO8601DateFormatter().string(from: $0) }
}
