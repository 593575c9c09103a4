import FuzzSupport
import RequestGrammar

/// Token scopes as `GET /service/token?scope=...` reads them (`Scope.parseAll`, each value holding
/// space-separated scopes). Properties: type and name are not empty, the type holds no `:`, an action
/// is not empty and holds no `:` or `,`, no part holds a space, and a scope printed and parsed again
/// is the same scope.
@main
enum FuzzScope {
    static func main() {
        FuzzMain.run { input in
            let text = String(decoding: input, as: UTF8.self)
            let values = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let scopes = Scope.parseAll(values)
            let words = values.reduce(0) { $0 + $1.split(separator: " ").count }
            guard scopes.count <= words else { fatalError("more scopes than words") }
            for scope in scopes {
                // By Character, as the parser splits: a ',' or ':' fused with a mark is not a delimiter.
                let (colon, comma, space): (Character, Character, Character) = (":", ",", " ")
                guard !scope.type.isEmpty, !scope.name.isEmpty, !scope.type.contains(colon) else {
                    fatalError("scope \(scope.description.debugDescription) has an empty part or a ':' in its type")
                }
                guard !(scope.type + scope.name).contains(space),
                      scope.actions.allSatisfy({ !$0.isEmpty && !$0.contains(colon) && !$0.contains(comma) && !$0.contains(space) })
                else { fatalError("scope \(scope.description.debugDescription) has a bad action or a space") }
                guard Scope(scope.description) == scope else {
                    fatalError("scope \(scope.description.debugDescription) parses differently when printed")
                }
            }
        }
    }
}
