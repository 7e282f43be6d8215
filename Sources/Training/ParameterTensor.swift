// One trainable tensor: its Hugging Face state-dict name, its shape and its float32 values, row-major
// (matrices in the nn.Linear [out, in] layout the engine reads). Gradients and optimiser moments are
// tensors of the same name and shape.

import Kernels

public final class ParameterTensor: @unchecked Sendable {
    public let name: String
    public let shape: [Int]
    public let values: AlignedBuffer<Float>

    /// A zero-filled tensor.
    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
        values = AlignedBuffer(count: shape.reduce(1, *))
    }

    public var count: Int { values.count }
    public var pointer: UnsafeMutablePointer<Float> { values.pointer }

    public var array: [Float] { Array(values.buffer) }

    public func fill(_ value: Float) { values.buffer.update(repeating: value) }

    public func copy(from source: UnsafePointer<Float>) { pointer.update(from: source, count: count) }

    public func copy(from other: ParameterTensor) {
        precondition(other.shape == shape, "copying \(other.name) \(other.shape) into \(name) \(shape)")
        copy(from: other.pointer)
    }
}
