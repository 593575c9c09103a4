import Foundation
import FuzzSupport
import RequestGrammar

/// Harbor's `q` query (`HarborQuery(parsing:)`, what every listing endpoint reads). Properties: one
/// key per comma-separated part holding `=`, each trimmed and lowercased; every key is in one of the
/// forms and every form's key is a key; set and all-of members are not empty and hold no space;
/// range ends are absent or trimmed and not empty.
@main
enum FuzzHarborQuery {
    static func main() {
        FuzzMain.run { input in
            let text = String(decoding: input, as: UTF8.self)
            let query = HarborQuery(parsing: text)
            // As the parser reads them: by Character, so a combining mark fuses with the '=' before it.
            let parts = text.split(separator: ",").filter { $0.firstIndex(of: "=") != nil }
            guard query.keys.count == parts.count else { fatalError("\(query.keys.count) keys for \(parts.count) parts") }
            for key in query.keys {
                guard key == key.trimmingCharacters(in: .whitespaces).lowercased() else {
                    fatalError("key \(key.debugDescription) is not trimmed and lowercased")
                }
            }
            let formKeys = Set(query.exact.keys).union(query.fuzzy.keys).union(query.ranges.keys)
                .union(query.sets.keys).union(query.allOf.keys)
            guard formKeys == Set(query.keys) else { fatalError("keys and forms disagree") }
            for members in Array(query.sets.values) + Array(query.allOf.values) {
                guard members.allSatisfy({ !$0.isEmpty && !$0.contains(Character(" ")) }) else { fatalError("bad member in \(members)") }
            }
            for (low, high) in query.ranges.values {
                for end in [low, high].compactMap({ $0 }) where end.isEmpty || end != end.trimmingCharacters(in: .whitespaces) {
                    fatalError("range end \(end.debugDescription) is empty or not trimmed")
                }
            }
        }
    }
}
