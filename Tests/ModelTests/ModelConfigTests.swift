import Foundation
import JSON
import Model
import Testing

@Suite struct ModelConfigTests {
    /// Qwen2.5-0.5B-Instruct's config.json as published (transformers 4 spelling).
    static let qwen25 = """
        {"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":151643,"eos_token_id":151645,
        "hidden_act":"silu","hidden_size":896,"initializer_range":0.02,"intermediate_size":4864,
        "max_position_embeddings":32768,"max_window_layers":21,"model_type":"qwen2","num_attention_heads":14,
        "num_hidden_layers":24,"num_key_value_heads":2,"rms_norm_eps":1e-06,"rope_theta":1000000.0,
        "sliding_window":32768,"tie_word_embeddings":true,"torch_dtype":"bfloat16","transformers_version":"4.43.1",
        "use_cache":true,"use_sliding_window":false,"vocab_size":151936}
        """

    /// Llama-3.2-1B's config.json as published (rope_scaling of type llama3).
    static let llama32 = """
        {"architectures":["LlamaForCausalLM"],"attention_bias":false,"attention_dropout":0.0,"bos_token_id":128000,
        "eos_token_id":128001,"head_dim":64,"hidden_act":"silu","hidden_size":2048,"initializer_range":0.02,
        "intermediate_size":8192,"max_position_embeddings":131072,"mlp_bias":false,"model_type":"llama",
        "num_attention_heads":32,"num_hidden_layers":16,"num_key_value_heads":8,"pretraining_tp":1,"rms_norm_eps":1e-05,
        "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,"original_max_position_embeddings":8192,
        "rope_type":"llama3"},"rope_theta":500000.0,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
        "transformers_version":"4.45.0.dev0","use_cache":true,"vocab_size":128256}
        """

    func parse(_ text: String) throws -> ModelConfig {
        try ModelConfig(json: JSONValue.parse(text), file: "config.json")
    }

    func failure(_ text: String) -> String? {
        do {
            _ = try ModelConfig(json: JSONValue.parse(text), file: "config.json")
            return nil
        } catch let error as CheckpointError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    @Test func readsThePublishedQwen25Config() throws {
        let config = try parse(Self.qwen25)
        #expect(config.architecture == .qwen2)
        #expect(config.hiddenSize == 896)
        #expect(config.layerCount == 24)
        #expect(config.headCount == 14)
        #expect(config.kvHeadCount == 2)
        #expect(config.headDim == 64)
        #expect(config.groupSize == 7)
        #expect(config.intermediateSize == 4864)
        #expect(config.vocabSize == 151_936)
        #expect(config.ropeTheta == 1_000_000)
        #expect(config.ropeScaling == .none)
        #expect(config.rmsNormEpsilon == 1e-6)
        #expect(config.tieWordEmbeddings)
        #expect(config.hasQKVBias && !config.hasOutputBias && !config.hasMLPBias)
        #expect(config.eosTokenIds == [151_645])
        #expect(config.blockLinearParameterCount == 357_826_560)
    }

    @Test func readsThePublishedLlama32ConfigWithLlama3Scaling() throws {
        let config = try parse(Self.llama32)
        #expect(config.architecture == .llama)
        #expect(config.headDim == 64)
        #expect(config.ropeTheta == 500_000)
        #expect(
            config.ropeScaling
                == .llama3(factor: 32, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 8192))
        #expect(!config.hasQKVBias)
    }

    @Test func readsTheTransformers5SpellingOfTheFixtures() throws {
        let config = try ModelConfig.load(contentsOfFile: TestFiles.fixtures + "/models/llama-headdim/config.json")
        #expect(config.headDim == 24)
        #expect(config.headCount * config.headDim != config.hiddenSize)
        guard case .llama3(let factor, _, _, let original) = config.ropeScaling else {
            Issue.record("expected llama3 scaling, got \(config.ropeScaling)")
            return
        }
        #expect(factor == 8 && original == 64)
    }

    @Test(arguments: [
        (
            #""architectures":["Qwen2ForCausalLM"]"#, #""architectures":["GPT2LMHeadModel"]"#,
            "architecture 'GPT2LMHeadModel' is not supported"
        ),
        (#""hidden_size":896"#, #""hidden_size":"896""#, "'hidden_size' must be a positive integer, found \"896\""),
        (#""hidden_size":896,"#, "", "missing 'hidden_size'"),
        (#""num_key_value_heads":2"#, #""num_key_value_heads":3"#, "not a multiple of num_key_value_heads 3"),
        (#""use_sliding_window":false"#, #""use_sliding_window":true"#, "sliding-window attention is not supported"),
        (#""hidden_act":"silu""#, #""hidden_act":"gelu""#, "hidden_act 'gelu' is not supported"),
        (#""rms_norm_eps":1e-06"#, #""rms_norm_eps":-1"#, "'rms_norm_eps' must be a positive number"),
        (
            #""rope_theta":1000000.0"#, #""rope_theta":1000000.0,"rope_scaling":{"type":"yarn","factor":4}"#,
            "rope_type 'yarn' is not supported"
        ),
    ])
    func refusesWhatItCannotRunWithAClearMessage(original: String, replacement: String, message: String) throws {
        let broken = Self.qwen25.replacingOccurrences(of: original, with: replacement)
        #expect(broken != Self.qwen25, "the replacement did not apply")
        let text = try #require(failure(broken))
        #expect(text.hasPrefix("config.json: "))
        #expect(text.contains(message), "\(text)")
    }

    @Test func refusesJSONThatIsNotAnObject() {
        #expect(failure("[1, 2]")?.contains("expected a JSON object") == true)
    }
}
