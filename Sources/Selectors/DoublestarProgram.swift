/// One instruction; `split` forks into alternative branches, `jump` rejoins after them.
enum DoublestarOp: Sendable {
    case scalar(Unicode.Scalar)
    case any
    case set(negated: Bool, ranges: [ClosedRange<UInt32>])
    case star
    case globstar
    case split([Int])
    case jump(Int)
}

/// The compiled NFA behind `DoublestarPattern`, simulated one input scalar at a time so
/// no input can trigger backtracking. A thread is `pc * 4 + kind`: kind 0 waits on a
/// consuming op (or accepts at `pc == end`), 1 loops a `*`-like op over non-`/`, 2 loops
/// a component `**` over anything, 3 only marks that `**` was entered at a component
/// start this step, so its skip over the following `/` happens once.
struct DoublestarProgram: Sendable {
    let ops: [DoublestarOp]
    let end: Int
    /// Thread-bearing ops reachable from each pc through `split`/`jump` alone.
    let firsts: [[Int]]
    let isSlash: [Bool]
    /// For a `/` op: the rest can be `/**` or `/**/`, so input may stop before the `/`.
    let acceptsParent: [Bool]

    init(_ ops: [DoublestarOp]) {
        self.ops = ops
        end = ops.count
        var firsts = [[Int]](repeating: [], count: ops.count + 1)
        firsts[end] = [end]
        for pc in stride(from: end - 1, through: 0, by: -1) {
            switch ops[pc] {
            case .split(let branches):
                var seen = Set<Int>()
                firsts[pc] = branches.flatMap { firsts[$0] }.filter { seen.insert($0).inserted }
            case .jump(let target): firsts[pc] = firsts[target]
            default: firsts[pc] = [pc]
            }
        }
        let isSlash = ops.map { if case .scalar("/") = $0 { true } else { false } } + [false]
        let isGlobstar = ops.map { if case .globstar = $0 { true } else { false } } + [false]
        let endsHere = { (pc: Int) in firsts[pc + 1].contains(ops.count) }
        self.firsts = firsts
        self.isSlash = isSlash
        acceptsParent = (0...end).map { pc in
            isSlash[pc] && firsts[pc + 1].contains { star in
                isGlobstar[star] && (endsHere(star) || firsts[star + 1].contains { isSlash[$0] && endsHere($0) })
            }
        }
    }

    func run(_ text: [Unicode.Scalar]) -> Bool {
        var current = Threads(size: (end + 1) * 4)
        var next = current
        for pc in firsts[0] { add(pc, afterSlash: true, to: &current) }
        for char in text {
            next.clear()
            for thread in current.list {
                let pc = thread / 4
                switch thread % 4 {
                case 0 where pc < end && consumes(ops[pc], char):
                    for target in firsts[pc + 1] { add(target, afterSlash: isSlash[pc], to: &next) }
                case 1 where char != "/": loop(pc, kind: 1, to: &next)
                case 2: loop(pc, kind: 2, to: &next)
                default: break
                }
            }
            guard !next.list.isEmpty else { return false }
            swap(&current, &next)
        }
        return current.list.contains { $0 % 4 == 0 && ($0 / 4 == end || acceptsParent[$0 / 4]) }
    }

    private func consumes(_ op: DoublestarOp, _ char: Unicode.Scalar) -> Bool {
        switch op {
        case .scalar(let expected): expected == char
        case .any: char != "/"
        case .set(let negated, let ranges): ranges.contains { $0.contains(char.value) } != negated
        default: false
        }
    }

    private func add(_ pc: Int, afterSlash: Bool, to threads: inout Threads) {
        guard pc < end else { threads.insert(pc * 4); return }
        switch ops[pc] {
        case .star:
            loop(pc, kind: 1, to: &threads)
        case .globstar:
            if afterSlash, threads.insert(pc * 4 + 3) {
                loop(pc, kind: 2, to: &threads)
                for target in firsts[pc + 1] {
                    if target == end { threads.insert(end * 4) }
                    if isSlash[target] { for after in firsts[target + 1] { add(after, afterSlash: true, to: &threads) } }
                }
            }
            loop(pc, kind: 1, to: &threads)
        default:
            threads.insert(pc * 4)
        }
    }

    private func loop(_ pc: Int, kind: Int, to threads: inout Threads) {
        guard threads.insert(pc * 4 + kind) else { return }
        for target in firsts[pc + 1] {
            if kind == 1 {
                add(target, afterSlash: false, to: &threads)
            } else if target == end || isSlash[target] {
                threads.insert(target * 4)
            }
        }
    }
}

/// A thread list with O(1) membership, reset per input character by bumping a stamp.
struct Threads {
    var list: [Int] = []
    var stamps: [Int]
    var stamp = 1

    init(size: Int) { stamps = Array(repeating: 0, count: size) }

    mutating func clear() {
        list.removeAll(keepingCapacity: true)
        stamp += 1
    }

    @discardableResult
    mutating func insert(_ thread: Int) -> Bool {
        guard stamps[thread] != stamp else { return false }
        stamps[thread] = stamp
        list.append(thread)
        return true
    }
}
