import CKernels
import Foundation
import Testing

/// The sampler's passes (sampling.c), every instruction set against the plain definitions written
/// out in Swift, on odd lengths that leave tails in every vector width and in the 256-value blocks.
@Suite struct SamplingKernelTests {
    static let instructionSets = [SK_ISA_PORTABLE, SK_ISA_AVX2, SK_ISA_AVX512]
    static let lengths = [1, 2, 7, 15, 16, 17, 31, 63, 64, 65, 255, 256, 257, 1000, 4099]

    /// Arguments for exp: a sweep of the whole float range where exp is neither 0 nor inf (with
    /// subnormal results below −87.3), its edges, and the special values.
    static let exponents: [Float] = {
        var values = stride(from: -110.0, through: 90.0, by: 0.000_73).map { Float($0) }
        values += [
            0, -0.0, 1e-30, -1e-30, 0x1p-149, -0x1p-149, -87.33655, -87.33654, -103.27893, -103.97208, -103.972084,
            -104, -104.5, 88.72283, 88.722839, 88.72284, 88.8, -.greatestFiniteMagnitude, .greatestFiniteMagnitude,
            -.infinity, .infinity,
        ]
        return values
    }()

    func supported(_ isa: sk_isa) -> Bool { sk_isa_supported(isa) != 0 }

    func exp(_ isa: sk_isa, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        sk_exp_with_isa(isa, x, &y, x.count)
        return y
    }

    /// |result − e^x| in units of the float spacing at e^x (the smallest subnormal below 2^-126).
    func ulpError(_ result: Float, _ x: Float) -> Double {
        let exact = Foundation.exp(Double(x))
        if Float(exact).isInfinite { return result == Float(exact) ? 0 : .infinity }
        let spacing = exact < 0x1p-126 ? 0x1p-149 : Double(Float(exact).ulp)
        return abs(Double(result) - exact) / spacing
    }

    @Test(arguments: instructionSets)
    func expIsWithinHalfAnUlpAndAHair(isa: sk_isa) {
        guard supported(isa) else { return }
        let y = exp(isa, Self.exponents)
        var worst = (error: 0.0, x: Float(0))
        for (x, result) in zip(Self.exponents, y) where ulpError(result, x) > worst.error {
            worst = (ulpError(result, x), x)
        }
        #expect(worst.error <= 0.503, "\(isa): \(worst.error) ulp at \(worst.x)")
        let special = exp(isa, [0, -0.0, -.infinity, -104, -200, .infinity, 100, .nan])
        #expect(special[0] == 1 && special[1] == 1)
        #expect(special[2] == 0 && special[3] == 0 && special[4] == 0)
        #expect(special[5] == .infinity && special[6] == .infinity)
        #expect(special[7].isNaN)
    }

    /// What makes the sampler's draws those of a scalar loop over expf: the same weights, bit for bit.
    /// (glibc's build for x86-64 CPUs without FMA differs on two floats; see sampling.c.)
    @Test(arguments: instructionSets)
    func expGivesTheBitsOfTheCLibrarysExpf(isa: sk_isa) {
        guard supported(isa) else { return }
        #if canImport(Glibc)
            let y = exp(isa, Self.exponents)
            let differing = zip(Self.exponents, y).filter { x, result in
                result.bitPattern != expf(x).bitPattern && !result.isNaN
            }
            #expect(differing.isEmpty, "\(isa): \(differing.count) values differ, first at \(differing.first?.0 ?? 0)")
        #endif
    }

    @Test func everyInstructionSetComputesTheSameExponentials() {
        let reference = exp(SK_ISA_PORTABLE, Self.exponents)
        for isa in Self.instructionSets where supported(isa) {
            let y = exp(isa, Self.exponents)
            let differing = zip(y, reference).filter { $0.bitPattern != $1.bitPattern && !($0.isNaN && $1.isNaN) }
            #expect(differing.isEmpty, "\(isa): \(differing.count) values differ")
        }
    }

    /// Logit-like rows: values in [-8, 8) with repeats, so that ties occur.
    func row(_ length: Int, seed: UInt64) -> [Float] {
        randomFloats(length, seed: seed).map { ($0 * 64).rounded() / 8 }
    }

    @Test(arguments: instructionSets)
    func maxAndArgmaxFindTheFirstLargest(isa: sk_isa) {
        guard supported(isa) else { return }
        for length in Self.lengths {
            for variant in 0..<4 {
                var values = row(length, seed: UInt64(length * 4 + variant))
                switch variant {
                case 1: values[length - 1] = 100  // the largest in the last (tail) lane
                case 2: values = values.map { _ in -.infinity }
                case 3:  // NaN is never the largest
                    for index in stride(from: 0, to: length, by: 3) { values[index] = .nan }
                default: break
                }
                let finite = values.filter { !$0.isNaN }
                let largest = finite.max() ?? -.infinity
                let first = values.firstIndex(of: largest) ?? 0
                #expect(sk_max_with_isa(isa, values, length) == largest, "\(isa) length \(length) variant \(variant)")
                #expect(sk_argmax_with_isa(isa, values, length) == first, "\(isa) length \(length) variant \(variant)")
            }
        }
        #expect(sk_argmax_with_isa(isa, [Float.nan, .nan, .nan], 3) == 0)
        #expect(sk_max_with_isa(isa, [Float.nan], 1) == -.infinity)
    }

    @Test(arguments: instructionSets)
    func expSumMatchesTheDefinition(isa: sk_isa) {
        guard supported(isa) else { return }
        for length in [0] + Self.lengths {
            var values = row(length, seed: UInt64(100 + length)).map { $0 * 3 }
            if length > 2 { values[1] = -.infinity }
            let maximum = values.max() ?? 0
            for scale: Float in [1, 1 / 0.7, 2.5] {
                let shift = maximum * scale
                let exact = values.reduce(0.0) { $0 + Foundation.exp(Double($1 * scale - shift)) }
                let sum = sk_exp_sum_with_isa(isa, values, length, scale, shift)
                // Each term within half an ulp (under 2^-23 relative); the sums in double add nothing visible.
                #expect(abs(sum - exact) <= exact * 0x1p-23, "\(isa) length \(length) scale \(scale)")
                #expect(
                    sum.bitPattern == sk_exp_sum_with_isa(SK_ISA_PORTABLE, values, length, scale, shift).bitPattern,
                    "\(isa) length \(length) scale \(scale)")
            }
        }
    }

    /// The training attention's softmax rows: within float rounding of a softmax in double, and the
    /// same bits from every instruction set.
    @Test(arguments: instructionSets)
    func softmaxInPlaceMatchesTheDefinition(isa: sk_isa) {
        guard supported(isa) else { return }
        for length in Self.lengths {
            var values = row(length, seed: UInt64(200 + length)).map { $0 * 3 }
            if length > 2 { values[1] = -.infinity }
            let maximum = Double(values.max()!)
            let exact = values.map { Foundation.exp(Double($0) - maximum) }
            let total = exact.reduce(0, +)
            var result = values
            sk_softmax_with_isa(isa, &result, length)
            var portable = values
            sk_softmax_with_isa(SK_ISA_PORTABLE, &portable, length)
            for (got, expected) in zip(result, exact.map { $0 / total }) {
                #expect(abs(Double(got) - expected) <= expected * 0x1p-21, "\(isa) length \(length)")
            }
            #expect(result.map(\.bitPattern) == portable.map(\.bitPattern), "\(isa) length \(length)")
        }
    }

    @Test(arguments: instructionSets)
    func expWalkStopsAtTheWeightTheThresholdFallsIn(isa: sk_isa) {
        guard supported(isa) else { return }
        for length in Self.lengths {
            // Weights e^x for x in [-3, 0], some exactly 0 (from -inf), which no threshold can pick.
            var values = row(length, seed: UInt64(200 + length)).map { $0 * 3 / 8 - 3 }
            for index in stride(from: 2, to: length, by: 5) { values[index] = -.infinity }
            let weights = exp(isa, values)
            var before = 0.0
            for (index, weight) in weights.enumerated() where weight > 0 {
                // The middle of the weight's interval: far from both ends, whatever the rounding.
                let threshold = before + Double(weight) / 2
                let found = sk_exp_walk_with_isa(isa, values, length, 1, 0, threshold)
                #expect(found == index, "\(isa) length \(length) threshold in weight \(index)")
                before += Double(weight)
            }
            #expect(sk_exp_walk_with_isa(isa, values, length, 1, 0, -1) == 0)
            #expect(sk_exp_walk_with_isa(isa, values, length, 1, 0, before * (1 + 1e-9)) == length)
        }
    }

    @Test func everyInstructionSetWalksTheSameWay() {
        let values = row(5000, seed: 7)
        let maximum = values.max()!
        let total = sk_exp_sum_with_isa(SK_ISA_PORTABLE, values, values.count, 1.25, maximum * 1.25)
        for isa in Self.instructionSets where supported(isa) {
            for step in 0..<1000 {
                let threshold = total * Double(step) / 1000
                #expect(
                    sk_exp_walk_with_isa(isa, values, values.count, 1.25, maximum * 1.25, threshold)
                        == sk_exp_walk_with_isa(SK_ISA_PORTABLE, values, values.count, 1.25, maximum * 1.25, threshold),
                    "\(isa) threshold \(threshold)")
            }
        }
    }

    @Test(arguments: instructionSets)
    func selectAtLeastListsTheIndicesInOrder(isa: sk_isa) {
        guard supported(isa) else { return }
        for length in Self.lengths {
            var values = row(length, seed: UInt64(300 + length))
            for index in stride(from: 1, to: length, by: 4) { values[index] = .nan }
            for threshold: Float in [-.infinity, -2, 0, 7.875, 100] {
                let expected = values.indices.filter { values[$0] >= threshold }.map { Int32($0) }
                var indices = [Int32](repeating: -1, count: length)
                let found = sk_select_at_least_with_isa(isa, values, length, threshold, &indices, length)
                #expect(found == expected.count && Array(indices.prefix(found)) == expected, "\(isa) \(length)")
                // With less room: the first ones, and the count of all.
                let room = expected.count / 2
                var fewer = [Int32](repeating: -1, count: room + 1)
                let counted = sk_select_at_least_with_isa(isa, values, length, threshold, &fewer, room)
                #expect(counted == expected.count && Array(fewer.prefix(room)) == Array(expected.prefix(room)))
                #expect(fewer[room] == -1, "\(isa) \(length): wrote past the room it was given")
            }
        }
    }
}
