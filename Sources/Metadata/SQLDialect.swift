import SQLKit

/// The SQL the two databases spell differently, in one place; stores ask for it by meaning.
extension SQLDialectKind {
    /// Row locks for a SELECT whose rows the transaction will change: ` FOR UPDATE [OF t] [SKIP
    /// LOCKED]` on PostgreSQL. SQLite has one writer, so its transactions need no row locks.
    public func lockRows(of table: String? = nil, skipLocked: Bool = false) -> SQLQueryString {
        guard self == .postgres else { return "" }
        return " FOR UPDATE\(unsafeRaw: table.map { " OF \($0)" } ?? "")\(unsafeRaw: skipLocked ? " SKIP LOCKED" : "")"
    }

    /// Whether `lockRows` locks anything.
    public var locksRows: Bool { self == .postgres }

    /// The last `count` characters of `expression`.
    public func tail(_ expression: SQLQueryString, count: Int) -> SQLQueryString {
        switch self {
        case .postgres: "right(\(expression), \(unsafeRaw: String(count)))"
        case .sqlite: "substr(\(expression), -\(unsafeRaw: String(count)))"
        }
    }
}
