import CKernels
import Foundation
import Kernels
import Testing

@Suite struct ElementwiseTests {
    @Test func rmsNormMatchesTheDefinition() {
        for width in [1, 7, 8, 64, 97] {
            let x = randomFloats(width, seed: UInt64(width))
            let weight = randomFloats(width, seed: UInt64(width + 1))
            var output = [Float](repeating: 0, count: width)
            sk_rms_norm(x, weight, 1e-6, width, &output)
            let meanSquare = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(width)
            let scale = 1 / (meanSquare + 1e-6).squareRoot()
            for i in 0..<width {
                #expect(abs(Double(output[i]) - Double(weight[i]) * Double(x[i]) * scale) < 1e-5)
            }
        }
    }

    @Test func ropeRotatesEachPairOfHalves() {
        let headDim = 10
        let heads = 3
        var x = randomFloats(heads * headDim, seed: 3)
        let original = x
        let angles = (0..<headDim / 2).map { Float($0) * 0.7 + 0.1 }
        let cosines = angles.map { cos($0) }
        let sines = angles.map { sin($0) }
        sk_rope(&x, heads, headDim, cosines, sines)
        for h in 0..<heads {
            for i in 0..<headDim / 2 {
                let a = original[h * headDim + i]
                let b = original[h * headDim + i + headDim / 2]
                // x·cos + rotate_half(x)·sin, rotate_half(x) = cat(-x2, x1)
                #expect(abs(x[h * headDim + i] - (a * cosines[i] - b * sines[i])) < 1e-6)
                #expect(abs(x[h * headDim + i + headDim / 2] - (b * cosines[i] + a * sines[i])) < 1e-6)
            }
        }
    }

    @Test func siluTimesUp() {
        let gate = randomFloats(33, seed: 8).map { $0 * 10 }
        let up = randomFloats(33, seed: 9)
        var output = [Float](repeating: 0, count: 33)
        sk_silu_mul(gate, up, 33, &output)
        for i in 0..<33 {
            let g = Double(gate[i])
            #expect(abs(Double(output[i]) - g / (1 + exp(-g)) * Double(up[i])) < 1e-5)
        }
    }

    /// Every instruction set gives the bits of the scalar expressions over the C library's expf,
    /// forward and backward, at every length (vector bodies and tails) and at extreme gates.
    @Test(arguments: [SK_ISA_PORTABLE, SK_ISA_AVX2, SK_ISA_AVX512])
    func siluForwardAndBackwardGiveTheScalarExpressionsBits(isa: sk_isa) {
        guard sk_isa_supported(isa) != 0 else { return }
        for count in [1, 7, 8, 9, 16, 33, 1000] {
            var gate = randomFloats(count, seed: UInt64(count)).map { $0 * 24 - 12 }
            for (index, extreme) in [Float(-120), 95, 0, -0.0, 1e-30, -1e-30].enumerated() where index < count {
                gate[(index * 5) % count] = extreme
            }
            let up = randomFloats(count, seed: UInt64(count + 1))
            let outputGradient = randomFloats(count, seed: UInt64(count + 2)).map { $0 - 0.5 }
            var output = [Float](repeating: 0, count: count)
            var gateGradient = output
            var upGradient = output
            sk_silu_mul_with_isa(isa, gate, up, count, &output)
            sk_silu_mul_backward_with_isa(isa, gate, up, outputGradient, count, &gateGradient, &upGradient)
            for i in 0..<count {
                let g = gate[i]
                let sigmoid = 1 / (1 + expf(-g))
                let expectedGate = outputGradient[i] * up[i] * sigmoid * (1 + g * (1 - sigmoid))
                #expect(output[i].bitPattern == ((g / (1 + expf(-g))) * up[i]).bitPattern, "\(isa) \(g)")
                #expect(gateGradient[i].bitPattern == expectedGate.bitPattern, "\(isa) \(g)")
                #expect(upGradient[i].bitPattern == (outputGradient[i] * (g * sigmoid)).bitPattern, "\(isa) \(g)")
            }
        }
    }

    @Test func float16WideningMatchesSwiftFloat16ForEveryBitPattern() {
        let bits = (0...UInt16.max).map { $0 }
        var widened = [Float](repeating: 0, count: bits.count)
        Conversion.float16ToFloat(bits, &widened, count: bits.count)
        for (pattern, value) in zip(bits, widened) {
            let expected = Float(Float16(bitPattern: pattern))
            #expect(
                value.bitPattern == expected.bitPattern || (value.isNaN && expected.isNaN),
                "0x\(String(pattern, radix: 16))")
        }
    }

    @Test func bfloat16RoundsToNearestEvenAndWidensExactly() {
        let samples: [Float] = [
            0, -0.0, 1, -1, 1.00390625, 1.01171875, 3.14159265, 1e-40, .infinity, -.infinity, 65504, 1e38,
        ]
        var bits = [UInt16](repeating: 0, count: samples.count)
        Conversion.floatToBfloat16(samples, &bits, count: samples.count)
        var widened = [Float](repeating: 0, count: samples.count)
        Conversion.bfloat16ToFloat(bits, &widened, count: samples.count)
        for (sample, value) in zip(samples, widened) {
            // Reference: round the float32 bit pattern to its top 16 bits, ties to even.
            let pattern = sample.bitPattern
            let rounded = (pattern + 0x7fff + ((pattern >> 16) & 1)) >> 16
            #expect(value.bitPattern == rounded << 16, "\(sample)")
        }
        var nan = [UInt16](repeating: 0, count: 1)
        Conversion.floatToBfloat16([Float.nan], &nan, count: 1)
        var back = [Float](repeating: 0, count: 1)
        Conversion.bfloat16ToFloat(nan, &back, count: 1)
        #expect(back[0].isNaN)
    }
}
