// A read-only weight matrix in the Hugging Face nn.Linear layout: `rows` outputs × `columns` inputs,
// row-major, stored as float32 or bfloat16. The memory is owned by `owner` (a mapped checkpoint file
// or a converted copy), which the matrix keeps alive.

import CKernels

public enum WeightType: String, Sendable {
    case float32 = "F32"
    case bfloat16 = "BF16"

    public var byteCount: Int { self == .float32 ? 4 : 2 }

    var kernelType: sk_dtype { self == .float32 ? SK_DTYPE_F32 : SK_DTYPE_BF16 }
}

public struct WeightMatrix: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let type: WeightType
    public let rows: Int
    public let columns: Int
    let owner: AnyObject

    /// `base` must point at rows × columns elements of `type`, aligned to the element size, valid as
    /// long as `owner` lives.
    public init(base: UnsafeRawPointer, type: WeightType, rows: Int, columns: Int, owner: AnyObject) {
        precondition(Int(bitPattern: base) % type.byteCount == 0, "misaligned weight matrix")
        self.base = base
        self.type = type
        self.rows = rows
        self.columns = columns
        self.owner = owner
    }

    public var byteCount: Int { rows * columns * type.byteCount }

    /// Copies row `row` into `destination` as float32.
    public func copyRow(_ row: Int, to destination: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rows, "row \(row) out of 0..<\(rows)")
        switch type {
        case .float32:
            destination.update(from: base.assumingMemoryBound(to: Float.self) + row * columns, count: columns)
        case .bfloat16:
            sk_bf16_to_f32(base.assumingMemoryBound(to: UInt16.self) + row * columns, destination, columns)
        }
    }
}
