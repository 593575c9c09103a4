/// Recursive-descent compiler from pattern text to a flat op list; alternatives become
/// a `split` into each branch followed by `jump`s to the shared continuation.
struct DoublestarParser {
    let source: String
    let chars: [Unicode.Scalar]
    var index = 0
    var ops: [DoublestarOp] = []

    init(source: String) {
        self.source = source
        self.chars = Array(source.unicodeScalars)
    }

    mutating func parse() throws(SelectorError) -> DoublestarProgram {
        try sequence(nested: false)
        return DoublestarProgram(ops)
    }

    func failure(_ problem: String, at position: Int) -> SelectorError {
        SelectorError(message: "invalid pattern \"\(source)\": \(problem) at position \(position)")
    }

    mutating func sequence(nested: Bool) throws(SelectorError) {
        while index < chars.count {
            switch chars[index] {
            case "*" where index + 1 < chars.count && chars[index + 1] == "*":
                ops.append(.globstar)
                index += 2
            case "*":
                ops.append(.star)
                index += 1
            case "?":
                ops.append(.any)
                index += 1
            case "[":
                try characterClass()
            case "{":
                try alternatives()
            case "}" where nested, "," where nested:
                return
            case "}":
                throw failure("unmatched '}'", at: index)
            case "\\":
                guard index + 1 < chars.count else { throw failure("trailing '\\'", at: index) }
                ops.append(.scalar(chars[index + 1]))
                index += 2
            case let literal:
                ops.append(.scalar(literal))
                index += 1
            }
        }
    }

    mutating func alternatives() throws(SelectorError) {
        let open = index
        let split = ops.count
        var starts: [Int] = []
        var exits: [Int] = []
        ops.append(.split([]))
        index += 1
        while true {
            starts.append(ops.count)
            try sequence(nested: true)
            exits.append(ops.count)
            ops.append(.jump(0))
            guard index < chars.count else { throw failure("unclosed '{'", at: open) }
            index += 1
            if chars[index - 1] == "}" { break }
        }
        ops[split] = .split(starts)
        for exit in exits { ops[exit] = .jump(ops.count) }
    }

    mutating func characterClass() throws(SelectorError) {
        let open = index
        index += 1
        var negated = false
        if index < chars.count, chars[index] == "!" || chars[index] == "^" {
            negated = true
            index += 1
        }
        if index < chars.count, chars[index] == "]" { throw failure("empty character class", at: open) }
        var ranges: [ClosedRange<UInt32>] = []
        while index < chars.count, chars[index] != "]" {
            let low = try classMember(open: open)
            var high = low
            if index + 1 < chars.count, chars[index] == "-", chars[index + 1] != "]" {
                index += 1
                high = try classMember(open: open)
            }
            if low.value <= high.value { ranges.append(low.value...high.value) }
        }
        guard index < chars.count else { throw failure("unclosed '['", at: open) }
        index += 1
        ops.append(.set(negated: negated, ranges: ranges))
    }

    mutating func classMember(open: Int) throws(SelectorError) -> Unicode.Scalar {
        if chars[index] == "\\" { index += 1 }
        guard index < chars.count else { throw failure("unclosed '['", at: open) }
        defer { index += 1 }
        return chars[index]
    }
}
