// How big the recipe's models and data are. `full` runs in under two hours on the project's 2-core
// machine (1 h 44 min from nothing; README "The recipe" gives each phase's time); `quick` only checks
// that every phase runs and hands its output to the next.

import JSON

public struct RecipeScale: Sendable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var intermediateSize: Int
    /// Covers the verifier's few-shot prompt and its verification.
    public var maxPositions: Int

    public var pretrainProblems: Int
    public var pretrainFacts: Int
    /// CopyingLedgers in the base's text.
    public var pretrainLedgers: Int
    public var pretrainSteps: Int
    /// The reader phase: the base pretrained further on verification documents and checking drills
    /// (WorldCorpus), the verifier's start; the generator starts from the base.
    public var readerVerifications: Int
    public var readerDrills: Int
    public var readerFacts: Int
    /// Steps on the base's copying ledgers alone, the verifier's lineage's first phase after the base:
    /// mixed into the base's text they were not learned (their quoted digits at 0.17, where a model that
    /// copies gives 1), alone they were, slowly (0.56 after 400 steps, 0.75 after 1000), and the
    /// checking drills after them fell to a loss of 0.25 in 200 steps, where they had taken 400 to reach
    /// 0.33 (docs/recipe-notebook.md).
    public var copyingSteps: Int
    /// Steps on the reader's checking drills alone, before its whole text: a reader so started found a
    /// wrong number against the problem at 0.53 where one without them did at 0.18, and its verifier
    /// scored F1 72.0 where the other's did 58.4 (docs/recipe-notebook.md).
    public var readerDrillSteps: Int
    public var readerSteps: Int
    public var generatorProblems: Int
    public var generatorSteps: Int
    public var verifierProblems: Int
    public var verifierSteps: Int
    /// The PRM-CoTs' fine-tuning.
    public var rewardModelSteps: Int
    /// The ORMs' and PRMs': they answer with verdict words and no working, and at 200 steps they
    /// learned their rows' prior (most outcomes and steps are correct) and scored F1 0 to 53 (README
    /// "Results"), so they get half the steps: about 15 minutes less of the recipe's two hours.
    public var verdictOnlyRewardModelSteps: Int
    public var pretrainLearningRate: Double
    public var fineTuneLearningRate: Double
    /// Lower than the generator's and verifier's: the reward models start from the verifier, which
    /// already writes PRM-CoT verifications, and learn a few hundred rows. At 5e-4 the step method's
    /// PRM-CoT lost its reading of the problem (F1 66.4, from a verifier at 83.6); at 1e-4 it scored 95.0.
    public var rewardModelLearningRate: Double

    public var stageOneProblems: Int
    public var solutionsPerProblem: Int
    public var verificationsPerSolution: Int
    public var benchmarkProblems: Int
    public var generatorMaxTokens: Int
    public var verifierMaxTokens: Int
    /// Warm enough that some of the generator's solutions go wrong: sampled as synth samples (top-p
    /// 0.95), the generator of 1000 steps answered 27 of 30 fresh problems right at 1.5, 23 at 1.8 and
    /// 5 at 1.9 (`scripts/solve_probe.py`); the benchmark tops up the erroneous samples it lacks.
    public var generatorTemperature: Double

    public static let full = RecipeScale(
        vocabularySize: 1024, hiddenSize: 192, layerCount: 4, headCount: 6, kvHeadCount: 2, intermediateSize: 512,
        maxPositions: 2048, pretrainProblems: 20000, pretrainFacts: 40000, pretrainLedgers: 6000,
        pretrainSteps: 2000, readerVerifications: 12000, readerDrills: 10000, readerFacts: 60000,
        copyingSteps: 1000, readerDrillSteps: 400, readerSteps: 2000,
        generatorProblems: 3000,
        generatorSteps: 1000, verifierProblems: 3000, verifierSteps: 1000, rewardModelSteps: 200,
        verdictOnlyRewardModelSteps: 100,
        pretrainLearningRate: 1e-3,
        fineTuneLearningRate: 5e-4, rewardModelLearningRate: 1e-4, stageOneProblems: 128,
        solutionsPerProblem: 4, verificationsPerSolution: 8, benchmarkProblems: 200, generatorMaxTokens: 256,
        verifierMaxTokens: 800, generatorTemperature: 1.5)

    public static let quick = RecipeScale(
        vocabularySize: 300, hiddenSize: 32, layerCount: 1, headCount: 2, kvHeadCount: 1, intermediateSize: 64,
        maxPositions: 4096, pretrainProblems: 40, pretrainFacts: 64, pretrainLedgers: 8,
        pretrainSteps: 3, readerVerifications: 8, readerDrills: 8, readerFacts: 32, copyingSteps: 2,
        readerDrillSteps: 2,
        readerSteps: 2,
        generatorProblems: 8,
        generatorSteps: 2, verifierProblems: 8, verifierSteps: 2, rewardModelSteps: 2, verdictOnlyRewardModelSteps: 2,
        pretrainLearningRate: 3e-3,
        fineTuneLearningRate: 3e-3, rewardModelLearningRate: 3e-3, stageOneProblems: 3,
        solutionsPerProblem: 2, verificationsPerSolution: 2, benchmarkProblems: 4, generatorMaxTokens: 48,
        verifierMaxTokens: 48, generatorTemperature: 1.0)

    /// The context the shipped PRM-CoT's config.json declares. SPARK's client asks for 4096 new tokens
    /// after its prompt, more than the 2048 positions the model trained on; its verifications end within
    /// a few hundred tokens, so only a prompt longer than about 1500 tokens reaches untrained positions.
    public static let servedPositions = 8192

    /// config.json of a new Llama-shaped model over a tokenizer of `vocabularySize` tokens whose end of
    /// sequence is `<|im_end|>` (id 2, as `spark-train tokenizer` numbers the special tokens). Llama, not
    /// Qwen2: transformers 5 gives every `qwen2` checkpoint a Qwen2Tokenizer, which splits text by Qwen2's
    /// own pattern whatever tokenizer.json says, and the recipe's tokenizer uses GPT-2's.
    public var configJSON: String {
        let object: JSONObject = [
            "architectures": .array([.string("LlamaForCausalLM")]), "model_type": .string("llama"),
            "attention_bias": .bool(false), "mlp_bias": .bool(false),
            "hidden_size": .int(hiddenSize), "intermediate_size": .int(intermediateSize),
            "num_hidden_layers": .int(layerCount), "num_attention_heads": .int(headCount),
            "num_key_value_heads": .int(kvHeadCount), "head_dim": .int(hiddenSize / headCount),
            "vocab_size": .int(vocabularySize), "hidden_act": .string("silu"), "rms_norm_eps": .double(1e-6),
            "rope_theta": .double(10000), "tie_word_embeddings": .bool(true),
            "max_position_embeddings": .int(maxPositions), "torch_dtype": .string("float32"),
            "eos_token_id": .int(2),
        ]
        return JSONValue.object(object).serialized + "\n"
    }
}
