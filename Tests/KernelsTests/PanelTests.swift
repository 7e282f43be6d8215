import CKernels
import Kernels
import Testing

/// The kernels over weights packed into panels (panels.c), against the definition and against each
/// other: every variant must give the same bits for a row whatever is batched with it, on every
/// instruction set, however the outputs are split.
@Suite struct PanelTests {
    static let rowCounts = [1, 2, 3, 4, 5, 6, 7, 8, 13, 20, 31, 32, 33, 40]

    /// A weight matrix of n × k packed in both types, with the float values the kernels see.
    struct Weights {
        let n: Int
        let k: Int
        let floats: [Float]
        let packed: [WeightType: WeightMatrix]

        init(n: Int, k: Int, seed: UInt64) {
            self.n = n
            self.k = k
            let bits = bfloat16Bits(randomFloats(n * k, seed: seed))
            var floats = [Float](repeating: 0, count: n * k)
            Conversion.bfloat16ToFloat(bits, &floats, count: n * k)
            // Weights that are exact in BF16, so that both types must give the same results.
            self.floats = floats
            let storages: [WeightType: AnyStorage] = [.float32: AnyStorage(floats), .bfloat16: AnyStorage(bits)]
            var rowMajor: [WeightType: WeightMatrix] = [:]
            for (type, storage) in storages {
                rowMajor[type] = WeightMatrix(base: storage.pointer, type: type, rows: n, columns: k, owner: storage)
            }
            packed = rowMajor.mapValues { $0.arranged(as: .panels) }
        }
    }

    static func run(
        _ isa: sk_isa, _ weight: WeightMatrix, _ x: [Float], rows: Int, bias: [Float]?, outputs: Range<Int>? = nil,
        fill: Float = 0
    ) -> [Float] {
        let n = weight.rows
        let range = outputs ?? 0..<n
        var y = [Float](repeating: fill, count: rows * n)
        let done = (bias ?? []).withUnsafeBufferPointer { biasPointer in
            sk_linear_panels_with_isa(
                isa, rows, weight.columns, x, weight.columns, weight.base,
                weight.type == .float32 ? SK_DTYPE_F32 : SK_DTYPE_BF16,
                bias == nil ? nil : biasPointer.baseAddress, &y, n, range.lowerBound, range.upperBound)
        }
        #expect(done == 1)
        return y
    }

    @Test(arguments: [SK_ISA_PORTABLE, SK_ISA_AVX2, SK_ISA_AVX512])
    func everyInstructionSetMatchesTheDefinition(isa: sk_isa) {
        guard sk_isa_supported(isa) != 0 else { return }
        for (index, (rows, k, n)) in [
            (1, 1, 1), (1, 17, 5), (2, 33, 16), (3, 64, 40), (5, 100, 71), (13, 200, 37), (40, 80, 50),
        ]
        .enumerated() {
            let weights = Weights(n: n, k: k, seed: UInt64(index))
            let x = randomFloats(rows * k, seed: UInt64(50 + index))
            let bias = randomFloats(n, seed: UInt64(90 + index))
            for withBias in [false, true] {
                let expected = referenceLinear(x, rows: rows, k: k, weights.floats, n: n, bias: withBias ? bias : nil)
                for type in [WeightType.float32, .bfloat16] {
                    let y = Self.run(isa, weights.packed[type]!, x, rows: rows, bias: withBias ? bias : nil)
                    #expect(
                        maxDifference(y, expected) <= 1e-5 * Float(k).squareRoot() + 1e-6,
                        "\(isa) \(type) \(rows)x\(k)x\(n)")
                }
            }
        }
    }

    /// One FMA chain per output, the same in every variant: the vector kernels agree bit for bit with
    /// the portable one, for both types, with and without bias.
    @Test func everyInstructionSetGivesTheSameBits() {
        let weights = Weights(n: 43, k: 203, seed: 7)
        let x = randomFloats(40 * weights.k, seed: 8)
        let bias = randomFloats(weights.n, seed: 9)
        for type in [WeightType.float32, .bfloat16] {
            for rows in [1, 2, 3, 8, 40] {
                let portable = Self.run(SK_ISA_PORTABLE, weights.packed[type]!, x, rows: rows, bias: bias)
                for isa in [SK_ISA_AVX2, SK_ISA_AVX512] where sk_isa_supported(isa) != 0 {
                    #expect(
                        Self.run(isa, weights.packed[type]!, x, rows: rows, bias: bias) == portable,
                        "\(isa) \(type) \(rows)")
                }
                #expect(
                    Self.run(SK_ISA_PORTABLE, weights.packed[.float32]!, x, rows: rows, bias: bias)
                        == Self.run(SK_ISA_PORTABLE, weights.packed[.bfloat16]!, x, rows: rows, bias: bias))
            }
        }
    }

    /// Every row count takes its own path (several panels at once, groups of 6, widened panels); a row
    /// must come out the same from each. Odd k and n exercise the partial last panel.
    @Test(arguments: [SK_ISA_PORTABLE, SK_ISA_AVX2, SK_ISA_AVX512])
    func aRowHasTheSameBitsInAnyBatch(isa: sk_isa) {
        guard sk_isa_supported(isa) != 0 else { return }
        let weights = Weights(n: 75, k: 203, seed: 31)
        let x = randomFloats(40 * weights.k, seed: 32)
        for type in [WeightType.float32, .bfloat16] {
            let alone = Self.run(isa, weights.packed[type]!, x, rows: 1, bias: nil)
            for rows in Self.rowCounts {
                let y = Self.run(isa, weights.packed[type]!, x, rows: rows, bias: nil)
                #expect(Array(y[0..<weights.n]) == alone, "\(isa) \(type) \(rows) rows")
            }
        }
    }

    /// A range starting on a panel boundary and ending inside one writes exactly its outputs (threads
    /// run neighbouring ranges of the same output rows at once).
    @Test(arguments: [SK_ISA_PORTABLE, SK_ISA_AVX2, SK_ISA_AVX512])
    func aRangeOfOutputsWritesOnlyThose(isa: sk_isa) {
        guard sk_isa_supported(isa) != 0 else { return }
        let weights = Weights(n: 75, k: 30, seed: 41)
        let x = randomFloats(40 * weights.k, seed: 42)
        let bias = randomFloats(weights.n, seed: 43)
        for type in [WeightType.float32, .bfloat16] {
            for rows in [1, 2, 3, 7, 40] {
                let whole = Self.run(isa, weights.packed[type]!, x, rows: rows, bias: bias)
                for range in [16..<37, 32..<75, 0..<1, 48..<64] {
                    let y = Self.run(isa, weights.packed[type]!, x, rows: rows, bias: bias, outputs: range, fill: -7)
                    for m in 0..<rows {
                        for j in 0..<weights.n {
                            let value = y[m * weights.n + j]
                            #expect(range.contains(j) ? value == whole[m * weights.n + j] : value == -7)
                        }
                    }
                }
            }
        }
    }

    /// Also for a matrix above AlignedBuffer's mapping threshold, whose pages are advised huge.
    @Test(arguments: [(37, 19), (600, 500)])
    func packedRowsReadBackAsStored(n: Int, k: Int) {
        let weights = Weights(n: n, k: k, seed: 51)
        var row = [Float](repeating: 0, count: k)
        for type in [WeightType.float32, .bfloat16] {
            let packed = weights.packed[type]!
            #expect(packed.layout == .panels)
            #expect(packed.byteCount == (n + 15) / 16 * 16 * k * type.byteCount)
            for r in 0..<n {
                packed.copyRow(r, to: &row)
                #expect(row == Array(weights.floats[(r * k)..<((r + 1) * k)]), "\(type) row \(r)")
            }
        }
    }

    /// Linear splits projections into tasks on panel boundaries, also when a projection's rows are not
    /// whole panels: the results are those of one kernel call over each whole projection.
    @Test func linearSplitsPackedProjectionsOnPanelBoundaries() {
        let k = 24
        let x = randomFloats(5 * k, seed: 60)
        let projections = [
            Weights(n: 40, k: k, seed: 61), Weights(n: 7, k: k, seed: 62), Weights(n: 100, k: k, seed: 63),
        ]
        for type in [WeightType.float32, .bfloat16] {
            let outputs = projections.map { AlignedBuffer<Float>(count: 5 * $0.n) }
            Linear(pool: WorkerPool(threadCount: 3)).apply(
                x, rows: 5,
                projections: zip(projections, outputs).map {
                    Projection(weight: $0.packed[type]!, bias: nil, output: $1.pointer)
                })
            for (weights, output) in zip(projections, outputs) {
                #expect(
                    Array(output.buffer) == Self.run(sk_best_isa(), weights.packed[type]!, x, rows: 5, bias: nil),
                    "\(type) \(weights.n)")
            }
        }
    }
}
