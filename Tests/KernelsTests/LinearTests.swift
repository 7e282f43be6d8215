import CKernels
import Kernels
import Testing

/// Deterministic pseudo-random floats in [-1, 1) (a fixed LCG, so failures reproduce).
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state >> 11) % (1 << 24)) / Float(1 << 23) - 1
    }
}

/// The plain definition, accumulated in Double: y[m, n] = b[n] + Σ_k x[m, k] · w[n, k].
func referenceLinear(_ x: [Float], rows: Int, k: Int, _ w: [Float], n: Int, bias: [Float]?) -> [Float] {
    var y = [Float](repeating: 0, count: rows * n)
    for m in 0..<rows {
        for j in 0..<n {
            var sum = Double(bias?[j] ?? 0)
            for i in 0..<k { sum += Double(x[m * k + i]) * Double(w[j * k + i]) }
            y[m * n + j] = Float(sum)
        }
    }
    return y
}

func bfloat16Bits(_ values: [Float]) -> [UInt16] {
    var bits = [UInt16](repeating: 0, count: values.count)
    Conversion.floatToBfloat16(values, &bits, count: values.count)
    return bits
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct LinearTests {
    static let shapes: [(rows: Int, k: Int, n: Int)] = [
        (1, 1, 1), (1, 16, 4), (1, 17, 5), (2, 33, 7), (3, 64, 9), (5, 100, 13), (6, 96, 8), (7, 15, 3),
        (13, 200, 37), (40, 80, 50),
    ]

    @Test(arguments: [SK_ISA_PORTABLE, SK_ISA_AVX2, SK_ISA_AVX512])
    func everyInstructionSetMatchesTheDefinition(isa: sk_isa) {
        guard sk_isa_supported(isa) != 0 else { return }
        for (shapeIndex, shape) in Self.shapes.enumerated() {
            let x = randomFloats(shape.rows * shape.k, seed: UInt64(shapeIndex))
            let w = randomFloats(shape.n * shape.k, seed: UInt64(100 + shapeIndex))
            let bias = randomFloats(shape.n, seed: UInt64(200 + shapeIndex))
            for withBias in [false, true] {
                let expected = referenceLinear(
                    x, rows: shape.rows, k: shape.k, w, n: shape.n, bias: withBias ? bias : nil)
                var y = [Float](repeating: .nan, count: shape.rows * shape.n)
                _ = bias.withUnsafeBufferPointer { biasPointer in
                    sk_linear_with_isa(
                        isa, shape.rows, shape.k, x, shape.k, w, SK_DTYPE_F32, withBias ? biasPointer.baseAddress : nil,
                        &y, shape.n, 0, shape.n)
                }
                #expect(maxDifference(y, expected) <= 1e-5 * Float(shape.k).squareRoot() + 1e-6, "\(isa) \(shape)")

                let wBits = bfloat16Bits(w)
                var wRounded = [Float](repeating: 0, count: w.count)
                Conversion.bfloat16ToFloat(wBits, &wRounded, count: w.count)
                let expectedBF16 = referenceLinear(
                    x, rows: shape.rows, k: shape.k, wRounded, n: shape.n, bias: withBias ? bias : nil)
                _ = bias.withUnsafeBufferPointer { biasPointer in
                    sk_linear_with_isa(
                        isa, shape.rows, shape.k, x, shape.k, wBits, SK_DTYPE_BF16,
                        withBias ? biasPointer.baseAddress : nil, &y, shape.n, 0, shape.n)
                }
                #expect(
                    maxDifference(y, expectedBF16) <= 1e-5 * Float(shape.k).squareRoot() + 1e-6, "\(isa) bf16 \(shape)")
            }
        }
    }

    /// Each variant has one kernel for few rows and another for many; a row's outputs must be bitwise
    /// the same whichever computes them. Odd k and n exercise the leftover inputs and outputs.
    @Test(arguments: [SK_ISA_PORTABLE, SK_ISA_AVX2, SK_ISA_AVX512])
    func everyInstructionSetGivesARowTheSameBitsInAnyBatch(isa: sk_isa) {
        guard sk_isa_supported(isa) != 0 else { return }
        let (k, n) = (203, 43)
        let w = randomFloats(n * k, seed: 31)
        let wBits = bfloat16Bits(w)
        let x = randomFloats(40 * k, seed: 32)
        for (dtype, weights) in [(SK_DTYPE_F32, AnyStorage(w)), (SK_DTYPE_BF16, AnyStorage(wBits))] {
            var alone = [Float](repeating: 0, count: n)
            sk_linear_with_isa(isa, 1, k, x, k, weights.pointer, dtype, nil, &alone, n, 0, n)
            for rows in [2, 3, 4, 5, 6, 7, 8, 13, 20, 31, 32, 40] {
                var y = [Float](repeating: 0, count: rows * n)
                sk_linear_with_isa(isa, rows, k, x, k, weights.pointer, dtype, nil, &y, n, 0, n)
                #expect(Array(y[0..<n]) == alone, "\(isa) \(dtype) \(rows) rows")
            }
        }
    }

    @Test func aSubrangeOfOutputsTouchesOnlyThoseColumns() {
        let (rows, k, n) = (3, 20, 11)
        let x = randomFloats(rows * k, seed: 1)
        let w = randomFloats(n * k, seed: 2)
        var y = [Float](repeating: -7, count: rows * n)
        sk_linear(rows, k, x, k, w, SK_DTYPE_F32, nil, &y, n, 3, 8)
        let expected = referenceLinear(x, rows: rows, k: k, w, n: n, bias: nil)
        for m in 0..<rows {
            for j in 0..<n {
                if (3..<8).contains(j) {
                    #expect(abs(y[m * n + j] - expected[m * n + j]) < 1e-5)
                } else {
                    #expect(y[m * n + j] == -7)
                }
            }
        }
    }

    @Test(arguments: [WeightType.float32, .bfloat16])
    func pooledLinearMatchesTheDefinitionAndIsBatchInvariant(type: WeightType) {
        let (k, n) = (72, 53)
        let wFloats = randomFloats(n * k, seed: 9)
        let bias = randomFloats(n, seed: 10)
        let storage = type == .float32 ? AnyStorage(wFloats) : AnyStorage(bfloat16Bits(wFloats))
        let weight = WeightMatrix(base: storage.pointer, type: type, rows: n, columns: k, owner: storage)
        var widened = wFloats
        if type == .bfloat16 { Conversion.bfloat16ToFloat(bfloat16Bits(wFloats), &widened, count: n * k) }
        let all = randomFloats(200 * k, seed: 77)
        var alone = [Float](repeating: 0, count: n)
        Linear().apply(all, rows: 1, weight: weight, bias: bias, output: &alone)
        for rows in [1, 4, 9, 33, 70, 200] {
            let x = Array(all[0..<(rows * k)])
            let expected = referenceLinear(x, rows: rows, k: k, widened, n: n, bias: bias)
            var output = [Float](repeating: 0, count: rows * n)
            Linear().apply(x, rows: rows, weight: weight, bias: bias, output: &output)
            #expect(maxDifference(output, expected) < 1e-4)
            // Row 0 is bitwise the same whatever is batched with it.
            #expect(Array(output[0..<n]) == alone)
        }
    }

    @Test func stridedInputAndOutput() {
        let (rows, k, n) = (5, 24, 10)
        let inputStride = 31
        let outputStride = 17
        let padded = randomFloats(rows * inputStride, seed: 4)
        var dense = [Float]()
        for m in 0..<rows { dense += padded[(m * inputStride)..<(m * inputStride + k)] }
        let wFloats = randomFloats(n * k, seed: 5)
        let storage = AnyStorage(wFloats)
        let weight = WeightMatrix(base: storage.pointer, type: .float32, rows: n, columns: k, owner: storage)
        let expected = referenceLinear(dense, rows: rows, k: k, wFloats, n: n, bias: nil)
        do {
            var y = [Float](repeating: 0, count: rows * outputStride)
            Linear().apply(
                padded, rows: rows, inputStride: inputStride, weight: weight, bias: nil, output: &y,
                outputStride: outputStride)
            for m in 0..<rows {
                #expect(
                    maxDifference(
                        Array(y[(m * outputStride)..<(m * outputStride + n)]), Array(expected[(m * n)..<(m * n + n)]))
                        < 1e-5)
            }
        }
    }
}

/// Keeps an array's storage at a stable address for a `WeightMatrix`.
final class AnyStorage: @unchecked Sendable {
    let pointer: UnsafeRawPointer
    private let allocation: UnsafeMutableRawPointer

    init<T>(_ values: [T]) {
        let bytes = max(values.count * MemoryLayout<T>.stride, 1)
        let allocation = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        values.withUnsafeBytes { allocation.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        self.allocation = allocation
        pointer = UnsafeRawPointer(allocation)
    }

    deinit { allocation.deallocate() }
}
