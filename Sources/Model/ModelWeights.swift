// The weights of a Qwen2 / Llama decoder, by role, checked against the config's shapes. Matrices stay
// in the mapped checkpoint when the kernels can read them as stored (F32, BF16, row-major); F16
// matrices, and everything when `float32` precision is asked for, are widened into owned memory, and
// CPUs whose kernels read panels get every matrix repacked (keeping its type). Norm weights and
// biases are always float32.
//
// Tensor names are those of transformers' Qwen2ForCausalLM / LlamaForCausalLM state dicts.

import Kernels

public enum WeightPrecision: String, Sendable, CaseIterable {
    /// F32 and BF16 matrices as stored (BF16 halves the bytes a decode step reads); F16 widened.
    case asStored = "auto"
    /// Every matrix widened to float32.
    case float32 = "f32"
}

public struct LayerWeights: Sendable {
    public let inputNorm: AlignedBuffer<Float>
    public let query: WeightMatrix
    public let key: WeightMatrix
    public let value: WeightMatrix
    public let queryBias: AlignedBuffer<Float>?
    public let keyBias: AlignedBuffer<Float>?
    public let valueBias: AlignedBuffer<Float>?
    public let output: WeightMatrix
    public let outputBias: AlignedBuffer<Float>?
    public let postAttentionNorm: AlignedBuffer<Float>
    public let gate: WeightMatrix
    public let up: WeightMatrix
    public let down: WeightMatrix
    public let gateBias: AlignedBuffer<Float>?
    public let upBias: AlignedBuffer<Float>?
    public let downBias: AlignedBuffer<Float>?

    public init(
        inputNorm: AlignedBuffer<Float>, query: WeightMatrix, key: WeightMatrix, value: WeightMatrix,
        queryBias: AlignedBuffer<Float>?, keyBias: AlignedBuffer<Float>?, valueBias: AlignedBuffer<Float>?,
        output: WeightMatrix, outputBias: AlignedBuffer<Float>?, postAttentionNorm: AlignedBuffer<Float>,
        gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix, gateBias: AlignedBuffer<Float>?,
        upBias: AlignedBuffer<Float>?, downBias: AlignedBuffer<Float>?
    ) {
        self.inputNorm = inputNorm
        self.query = query
        self.key = key
        self.value = value
        self.queryBias = queryBias
        self.keyBias = keyBias
        self.valueBias = valueBias
        self.output = output
        self.outputBias = outputBias
        self.postAttentionNorm = postAttentionNorm
        self.gate = gate
        self.up = up
        self.down = down
        self.gateBias = gateBias
        self.upBias = upBias
        self.downBias = downBias
    }
}

public final class ModelWeights: Sendable {
    public let config: ModelConfig
    public let embedding: WeightMatrix
    public let layers: [LayerWeights]
    public let finalNorm: AlignedBuffer<Float>
    /// lm_head, or the embedding when the checkpoint ties them.
    public let outputHead: WeightMatrix

    /// Weights already in memory (a trainer's parameters, which the engine then reads in place); the
    /// caller guarantees the shapes `config` implies.
    public init(
        config: ModelConfig, embedding: WeightMatrix, layers: [LayerWeights], finalNorm: AlignedBuffer<Float>,
        outputHead: WeightMatrix
    ) {
        precondition(layers.count == config.layerCount, "one LayerWeights per layer")
        self.config = config
        self.embedding = embedding
        self.layers = layers
        self.finalNorm = finalNorm
        self.outputHead = outputHead
    }

    /// `layout`: how matrices are arranged in memory; by default the one this CPU's kernels read fastest.
    public init(
        checkpoint: Checkpoint, precision: WeightPrecision = .asStored, layout: WeightLayout = .fastest
    ) throws(CheckpointError) {
        let config = checkpoint.config
        self.config = config
        let loader = TensorLoader(checkpoint: checkpoint, precision: precision, layout: layout)
        let hidden = config.hiddenSize
        // Only read a row at a time unless it doubles as the output head: repacking it would be wasted.
        embedding = try loader.matrix(
            "model.embed_tokens.weight", rows: config.vocabSize, columns: hidden,
            layout: config.tieWordEmbeddings ? layout : .rowMajor)
        var layers: [LayerWeights] = []
        for index in 0..<config.layerCount {
            let prefix = "model.layers.\(index)."
            let attention = prefix + "self_attn."
            let mlp = prefix + "mlp."
            func bias(_ name: String, _ present: Bool, _ count: Int) throws(CheckpointError) -> AlignedBuffer<Float>? {
                present ? try loader.vector(name, count: count) : nil
            }
            layers.append(
                LayerWeights(
                    inputNorm: try loader.vector(prefix + "input_layernorm.weight", count: hidden),
                    query: try loader.matrix(attention + "q_proj.weight", rows: config.queryWidth, columns: hidden),
                    key: try loader.matrix(attention + "k_proj.weight", rows: config.kvWidth, columns: hidden),
                    value: try loader.matrix(attention + "v_proj.weight", rows: config.kvWidth, columns: hidden),
                    queryBias: try bias(attention + "q_proj.bias", config.hasQKVBias, config.queryWidth),
                    keyBias: try bias(attention + "k_proj.bias", config.hasQKVBias, config.kvWidth),
                    valueBias: try bias(attention + "v_proj.bias", config.hasQKVBias, config.kvWidth),
                    output: try loader.matrix(attention + "o_proj.weight", rows: hidden, columns: config.queryWidth),
                    outputBias: try bias(attention + "o_proj.bias", config.hasOutputBias, hidden),
                    postAttentionNorm: try loader.vector(prefix + "post_attention_layernorm.weight", count: hidden),
                    gate: try loader.matrix(mlp + "gate_proj.weight", rows: config.intermediateSize, columns: hidden),
                    up: try loader.matrix(mlp + "up_proj.weight", rows: config.intermediateSize, columns: hidden),
                    down: try loader.matrix(mlp + "down_proj.weight", rows: hidden, columns: config.intermediateSize),
                    gateBias: try bias(mlp + "gate_proj.bias", config.hasMLPBias, config.intermediateSize),
                    upBias: try bias(mlp + "up_proj.bias", config.hasMLPBias, config.intermediateSize),
                    downBias: try bias(mlp + "down_proj.bias", config.hasMLPBias, hidden)))
        }
        self.layers = layers
        finalNorm = try loader.vector("model.norm.weight", count: hidden)
        if config.tieWordEmbeddings {
            outputHead = embedding
        } else {
            outputHead = try loader.matrix("lm_head.weight", rows: config.vocabSize, columns: hidden)
        }
    }
}

/// Turns checkpoint tensors into kernel-ready matrices and vectors, checking names, shapes and types.
private struct TensorLoader {
    let checkpoint: Checkpoint
    let precision: WeightPrecision
    let layout: WeightLayout

    /// The matrix in `layout`, or in the loader's layout when nil.
    func matrix(_ name: String, rows: Int, columns: Int, layout: WeightLayout? = nil) throws(CheckpointError)
        -> WeightMatrix
    {
        let tensor = try checkpoint.tensor(name)
        try expectShape(tensor, [rows, columns])
        let matrix = try rowMajorMatrix(tensor, rows: rows, columns: columns).arranged(as: layout ?? self.layout)
        if matrix.base != tensor.data { tensor.file.releasePages(tensor.data, byteCount: tensor.byteCount) }
        return matrix
    }

    private func rowMajorMatrix(_ tensor: TensorView, rows: Int, columns: Int) throws(CheckpointError) -> WeightMatrix {
        let count = rows * columns
        switch (tensor.type, precision) {
        case (.float32, _) where Self.isAligned(tensor, 4):
            return WeightMatrix(base: tensor.data, type: .float32, rows: rows, columns: columns, owner: tensor.file)
        case (.bfloat16, .asStored) where Self.isAligned(tensor, 2):
            return WeightMatrix(base: tensor.data, type: .bfloat16, rows: rows, columns: columns, owner: tensor.file)
        case (.bfloat16, .asStored):
            let copy = AlignedBuffer<UInt16>(count: count)
            UnsafeMutableRawPointer(copy.pointer).copyMemory(from: tensor.data, byteCount: tensor.byteCount)
            return WeightMatrix(base: copy.pointer, type: .bfloat16, rows: rows, columns: columns, owner: copy)
        case (.float32, _), (.bfloat16, _), (.float16, _):
            let widened = try widen(tensor)
            return WeightMatrix(base: widened.pointer, type: .float32, rows: rows, columns: columns, owner: widened)
        default:
            throw unsupportedType(tensor)
        }
    }

    func vector(_ name: String, count: Int) throws(CheckpointError) -> AlignedBuffer<Float> {
        let tensor = try checkpoint.tensor(name)
        try expectShape(tensor, [count])
        return try widen(tensor)
    }

    /// Copies any float tensor into float32, from unaligned storage if need be (not every writer pads
    /// the header to the element size).
    private func widen(_ tensor: TensorView) throws(CheckpointError) -> AlignedBuffer<Float> {
        let count = tensor.elementCount
        let result = AlignedBuffer<Float>(count: count)
        switch tensor.type {
        case .float32:
            UnsafeMutableRawPointer(result.pointer).copyMemory(from: tensor.data, byteCount: tensor.byteCount)
        case .bfloat16, .float16:
            let halves = AlignedBuffer<UInt16>(count: count)
            UnsafeMutableRawPointer(halves.pointer).copyMemory(from: tensor.data, byteCount: tensor.byteCount)
            if tensor.type == .bfloat16 {
                Conversion.bfloat16ToFloat(halves.pointer, result.pointer, count: count)
            } else {
                Conversion.float16ToFloat(halves.pointer, result.pointer, count: count)
            }
        default:
            throw unsupportedType(tensor)
        }
        return result
    }

    private func expectShape(_ tensor: TensorView, _ shape: [Int]) throws(CheckpointError) {
        guard tensor.shape == shape else {
            throw CheckpointError(
                file: checkpoint.directory,
                problem: "tensor '\(tensor.name)' has shape \(tensor.shape), but config.json implies \(shape)")
        }
    }

    private func unsupportedType(_ tensor: TensorView) -> CheckpointError {
        CheckpointError(
            file: tensor.file.path,
            problem: "tensor '\(tensor.name)' has dtype \(tensor.type.rawValue); weights must be F32, BF16 or F16")
    }

    private static func isAligned(_ tensor: TensorView, _ alignment: Int) -> Bool {
        Int(bitPattern: tensor.data) % alignment == 0
    }
}
