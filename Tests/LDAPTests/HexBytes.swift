/// Bytes written as hex pairs, spaces allowed (`"30 0c 02 01 01"`), so that expected encodings
/// in the tests read like the byte listings they were worked out from.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd number of hex digits in \(text)")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// A repeatable stream of pseudo-random bytes (a 64-bit LCG), for feeding the decoder junk.
struct JunkBytes {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }
}
