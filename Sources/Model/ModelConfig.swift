// `config.json` of a Qwen2 or Llama checkpoint: the dimensions and constants the forward pass needs.
//
// Accepts both the transformers 4 spelling (`rope_theta`, `rope_scaling`, `torch_dtype`) and the
// transformers 5 one (`rope_parameters` holding theta and the scaling type, `dtype`, `layer_types`).
// Anything the engine cannot run exactly (sliding windows, other activations, other RoPE types) is
// refused at load with the key and value at fault, rather than run approximately.

import JSON

public enum Architecture: String, Sendable, CaseIterable {
    case qwen2 = "Qwen2ForCausalLM"
    case llama = "LlamaForCausalLM"
}

/// How rotary frequencies are derived from `rope_theta` (transformers' `rope_type`).
public enum RopeScaling: Sendable, Equatable {
    case none
    /// Positions divided by `factor`.
    case linear(factor: Double)
    /// Llama 3.1: low frequencies divided by `factor`, high ones kept, the band between smoothed.
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalMaxPositions: Int)
}

public struct ModelConfig: Sendable, Equatable {
    public var architecture: Architecture
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var intermediateSize: Int
    public var vocabSize: Int
    public var ropeTheta: Double
    public var ropeScaling: RopeScaling
    public var rmsNormEpsilon: Float
    public var tieWordEmbeddings: Bool
    public var maxPositionEmbeddings: Int
    /// Biases on the q, k and v projections (always in Qwen2; `attention_bias` in Llama).
    public var hasQKVBias: Bool
    /// Bias on the attention output projection (Llama `attention_bias`; never in Qwen2).
    public var hasOutputBias: Bool
    /// Biases on gate, up and down projections (Llama `mlp_bias`).
    public var hasMLPBias: Bool
    public var bosTokenId: Int32?
    public var eosTokenIds: [Int32]

    public init(
        architecture: Architecture, hiddenSize: Int, layerCount: Int, headCount: Int, kvHeadCount: Int,
        headDim: Int? = nil, intermediateSize: Int, vocabSize: Int, ropeTheta: Double = 10_000,
        ropeScaling: RopeScaling = .none, rmsNormEpsilon: Float = 1e-6, tieWordEmbeddings: Bool,
        maxPositionEmbeddings: Int = 32_768, bosTokenId: Int32? = nil, eosTokenIds: [Int32] = []
    ) {
        self.architecture = architecture
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim ?? hiddenSize / headCount
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.rmsNormEpsilon = rmsNormEpsilon
        self.tieWordEmbeddings = tieWordEmbeddings
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.hasQKVBias = architecture == .qwen2
        self.hasOutputBias = false
        self.hasMLPBias = false
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
    }

    /// Query heads per key/value head.
    public var groupSize: Int { headCount / kvHeadCount }
    public var queryWidth: Int { headCount * headDim }
    public var kvWidth: Int { kvHeadCount * headDim }

    /// Parameters of the linear layers of all decoder blocks (what one decode step must read).
    public var blockLinearParameterCount: Int {
        let attention = hiddenSize * (queryWidth + 2 * kvWidth) + queryWidth * hiddenSize
        let mlp = 3 * hiddenSize * intermediateSize
        return layerCount * (attention + mlp)
    }

    public static func load(contentsOfFile path: String) throws(CheckpointError) -> ModelConfig {
        try ModelConfig(json: JSONDocument.load(path), file: path)
    }

    public init(json: JSONValue, file: String) throws(CheckpointError) {
        let reader = try JSONReader(json, file: file)
        architecture = try Self.readArchitecture(reader)
        hiddenSize = try reader.positiveInt("hidden_size")
        layerCount = try reader.positiveInt("num_hidden_layers")
        headCount = try reader.positiveInt("num_attention_heads")
        kvHeadCount = try reader.positiveInt("num_key_value_heads", default: headCount)
        intermediateSize = try reader.positiveInt("intermediate_size")
        vocabSize = try reader.positiveInt("vocab_size")
        rmsNormEpsilon = Float(try reader.positiveDouble("rms_norm_eps", default: 1e-6))
        tieWordEmbeddings = try reader.bool("tie_word_embeddings", default: false)
        maxPositionEmbeddings = try reader.positiveInt("max_position_embeddings", default: 32_768)
        if let explicit = try reader.optionalPositiveInt("head_dim") {
            headDim = explicit
        } else {
            guard hiddenSize % headCount == 0 else {
                throw reader.error("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
            }
            headDim = hiddenSize / headCount
        }
        guard headCount % kvHeadCount == 0 else {
            throw reader.error(
                "num_attention_heads \(headCount) is not a multiple of num_key_value_heads \(kvHeadCount)")
        }
        guard headDim % 2 == 0 else { throw reader.error("head_dim \(headDim) must be even for rotary embeddings") }
        switch architecture {
        case .qwen2:
            hasQKVBias = true
            hasOutputBias = false
            hasMLPBias = false
        case .llama:
            hasQKVBias = try reader.bool("attention_bias", default: false)
            hasOutputBias = hasQKVBias
            hasMLPBias = try reader.bool("mlp_bias", default: false)
        }
        (ropeTheta, ropeScaling) = try Self.readRope(reader)
        bosTokenId = try reader.optionalTokenId("bos_token_id")
        eosTokenIds = try reader.tokenIds("eos_token_id")
        try Self.rejectUnsupportedFeatures(reader)
    }

    private static func readArchitecture(_ reader: JSONReader) throws(CheckpointError) -> Architecture {
        let supported = Architecture.allCases.map(\.rawValue).joined(separator: ", ")
        if let names = reader.object["architectures"]?.arrayValue, let first = names.first?.stringValue {
            guard let architecture = Architecture(rawValue: first) else {
                throw reader.error("architecture '\(first)' is not supported (supported: \(supported))")
            }
            return architecture
        }
        switch reader.object["model_type"]?.stringValue {
        case "qwen2": return .qwen2
        case "llama": return .llama
        case let other?: throw reader.error("model_type '\(other)' is not supported (supported: \(supported))")
        case nil: throw reader.error("neither 'architectures' nor 'model_type' names the architecture")
        }
    }

    private static func readRope(_ reader: JSONReader) throws(CheckpointError) -> (Double, RopeScaling) {
        // transformers 5 folds theta and scaling into `rope_parameters`; older files have
        // `rope_theta` and an optional `rope_scaling` object.
        var parameters = reader.object["rope_parameters"]?.objectValue
        if parameters == nil, let scaling = reader.object["rope_scaling"]?.objectValue { parameters = scaling }
        let theta: Double
        if let nested = parameters?["rope_theta"] {
            guard let value = nested.doubleValue, value > 0 else {
                throw reader.error("rope_parameters.rope_theta must be a positive number, found \(nested.kindName)")
            }
            theta = value
        } else {
            theta = try reader.positiveDouble("rope_theta", default: 10_000)
        }
        guard let parameters else { return (theta, .none) }
        let nested = try JSONReader(.object(parameters), file: reader.file, path: "rope_parameters.")
        if let partial = parameters["partial_rotary_factor"]?.doubleValue, partial != 1 {
            throw nested.error("partial_rotary_factor \(partial) is not supported (only 1.0)")
        }
        let type = parameters["rope_type"]?.stringValue ?? parameters["type"]?.stringValue ?? "default"
        switch type {
        case "default": return (theta, .none)
        case "linear": return (theta, .linear(factor: try nested.positiveDouble("factor")))
        case "llama3":
            return (
                theta,
                .llama3(
                    factor: try nested.positiveDouble("factor"),
                    lowFrequencyFactor: try nested.positiveDouble("low_freq_factor"),
                    highFrequencyFactor: try nested.positiveDouble("high_freq_factor"),
                    originalMaxPositions: try nested.positiveInt("original_max_position_embeddings"))
            )
        default:
            throw nested.error("rope_type '\(type)' is not supported (supported: default, linear, llama3)")
        }
    }

    private static func rejectUnsupportedFeatures(_ reader: JSONReader) throws(CheckpointError) {
        if let activation = reader.object["hidden_act"]?.stringValue, activation != "silu" {
            throw reader.error("hidden_act '\(activation)' is not supported (only silu)")
        }
        if reader.object["use_sliding_window"]?.boolValue == true {
            throw reader.error("use_sliding_window is true: sliding-window attention is not supported")
        }
        if let layerTypes = reader.object["layer_types"]?.arrayValue,
            let other = layerTypes.first(where: { $0.stringValue != "full_attention" })
        {
            throw reader.error("layer_types contains \(other.serialized): only full_attention is supported")
        }
    }
}
