// The seeded random source of the built-in math world: SplitMix64 (Steele, Lea and Flood), with its own
// uniform draw, so that a seed names the same problems on every platform and Swift version (the
// standard library's `random(in:using:)` does not promise a stable mapping from bits to values).

public struct WorldRandom: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value of `range`, uniform up to a bias below 2^-32 for the small ranges the world uses.
    public mutating func draw(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: width).high)
    }

    /// One element of a non-empty array.
    public mutating func pick<Element>(_ elements: [Element]) -> Element {
        precondition(!elements.isEmpty, "pick from an empty array")
        return elements[draw(0...(elements.count - 1))]
    }
}
