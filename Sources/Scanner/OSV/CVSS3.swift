import Foundation

/// CVSS v3.0/v3.1 base score from a vector string, per the CVSS 3.1 specification section 7.
public struct CVSS3: Sendable, Equatable {
    public let vector: String
    public let baseScore: Double

    public init?(_ vector: String) {
        var metrics: [String: String] = [:]
        let parts = vector.split(separator: "/")
        guard let first = parts.first, first.hasPrefix("CVSS:3") else { return nil }
        for part in parts.dropFirst() {
            let kv = part.split(separator: ":", maxSplits: 1)
            guard kv.count == 2 else { return nil }
            metrics[String(kv[0])] = String(kv[1])
        }
        let scopeChanged: Bool
        switch metrics["S"] { case "U": scopeChanged = false; case "C": scopeChanged = true; default: return nil }
        guard let av = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2][metrics["AV"] ?? ""],
              let ac = ["L": 0.77, "H": 0.44][metrics["AC"] ?? ""],
              let pr = (scopeChanged ? ["N": 0.85, "L": 0.68, "H": 0.5] : ["N": 0.85, "L": 0.62, "H": 0.27])[metrics["PR"] ?? ""],
              let ui = ["N": 0.85, "R": 0.62][metrics["UI"] ?? ""] else { return nil }
        let cia = ["H": 0.56, "L": 0.22, "N": 0.0]
        guard let c = cia[metrics["C"] ?? ""], let i = cia[metrics["I"] ?? ""], let a = cia[metrics["A"] ?? ""] else { return nil }
        let iss = 1 - (1 - c) * (1 - i) * (1 - a)
        let impact = scopeChanged ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss
        let exploitability = 8.22 * av * ac * pr * ui
        let score: Double
        if impact <= 0 {
            score = 0
        } else if scopeChanged {
            score = Self.roundUp(min(1.08 * (impact + exploitability), 10))
        } else {
            score = Self.roundUp(min(impact + exploitability, 10))
        }
        self.vector = vector
        self.baseScore = score
    }

    /// The spec's Roundup: smallest one-decimal number >= x, computed on integers to avoid
    /// floating-point artefacts.
    static func roundUp(_ x: Double) -> Double {
        let scaled = Int((x * 100_000).rounded())
        if scaled % 10_000 == 0 { return Double(scaled) / 100_000 }
        return (Double(scaled / 10_000) + 1) / 10
    }

    public var severity: Severity {
        switch baseScore {
        case 0: .negligible
        case ..<4: .low
        case ..<7: .medium
        case ..<9: .high
        default: .critical
        }
    }
}

/// Harbor's severity scale, ordered.
public enum Severity: String, Codable, Sendable, Comparable, CaseIterable {
    case unknown = "Unknown", negligible = "Negligible", low = "Low", medium = "Medium", high = "High", critical = "Critical"

    /// Position in this order, Unknown lowest (the registry ranks Harbor's words, None included,
    /// with `HarborSeverity`).
    public var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

    /// Words used by GHSA (`MODERATE`), Red Hat/AlmaLinux summaries (`Important`) and Ubuntu priorities.
    public init?(word: String) {
        switch word.lowercased() {
        case "critical": self = .critical
        case "high", "important": self = .high
        case "moderate", "medium": self = .medium
        case "low": self = .low
        case "negligible", "none": self = .negligible
        default: return nil
        }
    }
}
