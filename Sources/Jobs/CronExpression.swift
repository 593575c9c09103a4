import Foundation

/// A Harbor cron schedule: six fields, seconds first (`second minute hour day month weekday`).
///
/// Harbor runs its jobs with robfig/cron configured for a leading seconds field, so its
/// clients send strings such as `0 0 2 * * *` (daily at 02:00:00). Berth must accept exactly
/// those strings, plus robfig's `@daily`-style descriptors, and compute the same fire times.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The input with whitespace collapsed and names upper-cased (descriptors lower-cased),
    /// so equivalent spellings are stored and compared identically.
    public let description: String
    private let seconds, minutes, hours, days, months, weekdays: UInt64
    /// Whether the day or weekday field starts with `*` or `?`. As in Vixie cron, only when
    /// neither does is a day matched by *either* field; otherwise both fields must match.
    private let daysUnrestricted, weekdaysUnrestricted: Bool

    public init(parsing text: String) throws(CronError) {
        let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !fields.isEmpty else { throw CronError("cron expression is empty") }
        if fields.count == 1, fields[0].hasPrefix("@") {
            let name = fields[0].lowercased()
            guard let expanded = Self.descriptors[name] else {
                throw CronError("unknown cron descriptor '\(fields[0])'; use @yearly, @annually, "
                    + "@monthly, @weekly, @daily, @midnight or @hourly")
            }
            try self.init(fields: expanded.split(separator: " ").map(String.init), description: name)
        } else {
            try self.init(fields: fields, description: fields.joined(separator: " ").uppercased())
        }
    }

    private init(fields: [String], description: String) throws(CronError) {
        guard fields.count == 6 else {
            throw CronError("cron expression must have 6 fields "
                + "(second minute hour day month weekday), got \(fields.count)")
        }
        var masks: [UInt64] = []
        for (field, spec) in zip(fields, Self.specs) {
            masks.append(try spec.parse(field))
        }
        self.description = description
        (seconds, minutes, hours, days, months) = (masks[0], masks[1], masks[2], masks[3], masks[4])
        weekdays = masks[5] & 1 << 7 != 0 ? (masks[5] | 1) & ~(1 << 7) : masks[5]
        daysUnrestricted = fields[3].hasPrefix("*") || fields[3].hasPrefix("?")
        weekdaysUnrestricted = fields[5].hasPrefix("*") || fields[5].hasPrefix("?")
    }

    /// The first matching instant strictly after `date`, at whole-second precision.
    ///
    /// Fields are matched against wall-clock time in `timeZone`. Local times skipped by a DST
    /// change never fire; repeated ones fire once. Searching stops after ``searchYears`` and
    /// returns nil, which is how impossible dates such as `0 0 0 30 2 *` surface.
    public func next(after date: Date, in timeZone: TimeZone = .init(identifier: "UTC")!) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down) + 1)
        let now = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: start)
        guard var year = now.year, var month = now.month, var day = now.day,
              var hour = now.hour, var minute = now.minute, var second = now.second else { return nil }
        let lastYear = year + Self.searchYears
        while year <= lastYear {
            guard let m = Self.first(in: months, from: month) else {
                (year, month, day, hour, minute, second) = (year + 1, 1, 1, 0, 0, 0)
                continue
            }
            if m != month { (month, day, hour, minute, second) = (m, 1, 0, 0, 0) }
            guard let d = firstDay(year: year, month: month, from: day) else {
                (month, day, hour, minute, second) = (month + 1, 1, 0, 0, 0)
                continue
            }
            if d != day { (day, hour, minute, second) = (d, 0, 0, 0) }
            guard let h = Self.first(in: hours, from: hour) else {
                (day, hour, minute, second) = (day + 1, 0, 0, 0)
                continue
            }
            if h != hour { (hour, minute, second) = (h, 0, 0) }
            guard let mi = Self.first(in: minutes, from: minute) else {
                (hour, minute, second) = (hour + 1, 0, 0)
                continue
            }
            if mi != minute { (minute, second) = (mi, 0) }
            guard let s = Self.first(in: seconds, from: second) else {
                (minute, second) = (minute + 1, 0)
                continue
            }
            second = s
            let wall = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: s)
            if let found = calendar.date(from: wall), found > date {
                let back = calendar.dateComponents([.day, .hour, .minute], from: found)
                if back.day == day, back.hour == hour, back.minute == minute { return found }
            }
            second += 1
        }
        return nil
    }

    /// Long enough to reach any Feb 29, including across a skipped century leap year (2096 -> 2104).
    static let searchYears = 8

    private static let descriptors = [
        "@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *",
        "@weekly": "0 0 0 * * 0", "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *",
        "@hourly": "0 0 * * * *",
    ]

    private static let specs = [
        FieldSpec(name: "second", range: 0...59),
        FieldSpec(name: "minute", range: 0...59),
        FieldSpec(name: "hour", range: 0...23),
        FieldSpec(name: "day", range: 1...31),
        FieldSpec(name: "month", range: 1...12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                        "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
        FieldSpec(name: "weekday", range: 0...6, highest: 7,
                  names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    ]

    private static func first(in mask: UInt64, from value: Int) -> Int? {
        let rest = mask & (UInt64.max << value)
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }

    private func firstDay(year: Int, month: Int, from day: Int) -> Int? {
        let length = month == 2 ? (Self.isLeap(year) ? 29 : 28) : [4, 6, 9, 11].contains(month) ? 30 : 31
        guard day <= length else { return nil }
        var weekday = Self.weekday(year: year, month: month, day: day)
        for d in day...length {
            let dayOK = days & 1 << d != 0, weekdayOK = weekdays & 1 << weekday != 0
            if daysUnrestricted || weekdaysUnrestricted ? dayOK && weekdayOK : dayOK || weekdayOK { return d }
            weekday = (weekday + 1) % 7
        }
        return nil
    }

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Sakamoto's formula (0 = Sunday): the weekday of a wall-clock date needs no time zone,
    /// and this avoids a Calendar round trip for every candidate day.
    private static func weekday(year: Int, month: Int, day: Int) -> Int {
        let y = month < 3 ? year - 1 : year
        return (y + y / 4 - y / 100 + y / 400 + monthOffsets[month - 1] + day) % 7
    }

    private static let monthOffsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
}

/// The grammar of one cron field; each field parses to a bit set of its allowed values.
private struct FieldSpec: Sendable {
    let name: String
    /// What `*`, `?` and open-ended steps such as `5/10` cover.
    let range: ClosedRange<Int>
    /// The largest explicit value; above `range` only for weekday, where 7 also means Sunday.
    var highest: Int?
    var names: [String] = []

    func parse(_ text: String) throws(CronError) -> UInt64 {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw error("has an empty list element in '\(text)'") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw error("value '\(item)' has more than one step") }
            var (low, high) = (range.lowerBound, range.upperBound)
            if parts[0] != "*" && parts[0] != "?" {
                let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, !bounds.contains(where: \.isEmpty) else {
                    throw error("value '\(item)' is not a valid range")
                }
                low = try value(bounds[0])
                high = try bounds.count == 2 ? value(bounds[1]) : parts.count == 2 ? max(low, high) : low
                guard low <= high else { throw error("range \(parts[0]) is reversed; start must not exceed end") }
            }
            var step = 1
            if parts.count == 2 {
                guard parts[1].allSatisfy(\.isASCIIDigit), let n = Int(parts[1]) else {
                    throw error("step '\(parts[1])' is not a number")
                }
                guard n > 0 else { throw error("step 0 is invalid; step must be at least 1") }
                step = n
            }
            for v in stride(from: low, through: high, by: step) { mask |= 1 << v }
        }
        return mask
    }

    private func value(_ token: Substring) throws(CronError) -> Int {
        if token.allSatisfy(\.isASCIIDigit) {
            let top = highest ?? range.upperBound
            guard let n = Int(token), (range.lowerBound...top).contains(n) else {
                throw error("value \(token) is out of range \(range.lowerBound)-\(top)")
            }
            return n
        }
        guard let index = names.firstIndex(of: token.uppercased()) else {
            throw error("has invalid value '\(token)'")
        }
        return index + range.lowerBound
    }

    private func error(_ problem: String) -> CronError {
        CronError("cron field '\(name)' \(problem)")
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
