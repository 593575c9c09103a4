import Foundation
import Jobs
import Metadata
import Selectors

/// Harbor's `RetentionPolicy`: rules combined with `or` (an artifact any rule retains is kept; the
/// rest of every repository a rule covers is deleted), a scope (one project) and an optional cron.
public struct RetentionPolicy: Codable, Sendable, Equatable {
    public var id: Int64?
    public var algorithm: String?
    public var rules: [RetentionRule]
    public var trigger: Trigger?
    public var scope: Scope

    public struct Trigger: Codable, Sendable, Equatable {
        public var kind: String?
        public var settings: Settings?
        public var references: [String: String]?
        public struct Settings: Codable, Sendable, Equatable { public var cron: String? }
    }

    public struct Scope: Codable, Sendable, Equatable {
        public var level: String
        public var ref: Int64
    }

    public static let maximumRules = 15

    /// The cron of a schedule trigger, or nil when the policy only runs by hand.
    public var cron: String? {
        guard let cron = trigger?.settings?.cron?.trimmingCharacters(in: .whitespaces), !cron.isEmpty else { return nil }
        return cron
    }

    /// Harbor's checks, with Harbor's messages; `RetentionPolicyError.conflict` for duplicate rules.
    public func validate() throws(RetentionPolicyError) {
        if let algorithm, algorithm != "or" { throw .invalid("algorithm must be \"or\"") }
        guard scope.level == "project" else { throw .invalid("scope \(scope.level) is not support") }
        guard scope.ref > 0 else { throw .invalid("invalid Project id \(scope.ref)") }
        guard rules.count <= Self.maximumRules else { throw .invalid("only \(Self.maximumRules) rules are allowed at most") }
        for (index, rule) in rules.enumerated() {
            do {
                try rule.validate()
            } catch {
                throw .invalid("rule \(index + 1): \(error.message)")
            }
            if let earlier = rules[..<index].firstIndex(where: { $0.sameSelection(as: rule) }) {
                throw .conflict("rule \(index + 1) is conflict with rule \(earlier + 1)")
            }
        }
        if let kind = trigger?.kind, !kind.isEmpty, kind != "Schedule" { throw .invalid("trigger kind must be Schedule") }
        if let cron {
            do { _ = try HarborSchedule(type: "Custom", cron: cron) } catch { throw .invalid(error.message) }
        }
    }

    public var json: String { CanonicalJSON.string(self) }
}

public enum RetentionPolicyError: Error, Equatable {
    case invalid(String)
    case conflict(String)

    public var message: String {
        switch self { case .invalid(let m), .conflict(let m): m }
    }
}

/// One rule: which repositories and tags it looks at, and which of those it keeps.
public struct RetentionRule: Codable, Sendable, Equatable {
    public var id: Int?
    public var priority: Int?
    public var disabled: Bool?
    public var action: String?
    public var template: String
    /// `{"<template>": N}`; Harbor sends numbers, older clients strings.
    public var params: [String: RetentionParameter]?
    public var tag_selectors: [Selector]
    public var scope_selectors: [String: [Selector]]

    public var isEnabled: Bool { disabled != true }

    /// The template's count or days.
    public var parameter: Int? { params?[template]?.value }

    func validate() throws(SelectorError) {
        if let action, action != "retain" { throw SelectorError(message: "action must be retain") }
        guard let kind = RetentionTemplate(rawValue: template) else {
            throw SelectorError(message: "unknown template \(template); use one of \(RetentionTemplate.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if kind.needsParameter {
            guard let value = parameter, (1...kind.maximumParameter).contains(value) else {
                throw SelectorError(message: "template \(template) needs params.\(template), a number from 1 to \(kind.maximumParameter)")
            }
        }
        try RuleSelectors.validate(tags: tag_selectors, scopes: scope_selectors, allowLabels: true)
    }

    func sameSelection(as other: RetentionRule) -> Bool {
        template == other.template && parameter == other.parameter && tag_selectors == other.tag_selectors
            && scope_selectors == other.scope_selectors
    }

    /// Whether the rule covers the repository (its name inside the project).
    public func covers(repository: String) -> Bool {
        isEnabled && Selector.selects(repository, by: scope_selectors["repository"] ?? [])
    }
}

/// A template parameter as a number, whether Harbor's UI sent `10` or `"10"`.
public struct RetentionParameter: Codable, Sendable, Equatable {
    public let value: Int?

    public init(_ value: Int) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            value = number
        } else if let text = try? container.decode(String.self) {
            value = Int(text)
        } else {
            value = nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
