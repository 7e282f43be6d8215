// What a verification or reward came from, in every answer, so that a score in a training log can be
// traced and reproduced: the model and the digest of its weights, the version of the reward model's
// prompt and of the reply parser, and the sampling. Per item, the tokens it cost are in its `usage`.

import Engine
import JSON
import Model
import Reward

enum Provenance {
    /// `variant` nil: the design used no reward model (random, rule_based).
    static func json(
        model: ServedModel, variant: RewardModelVariant?, sampling: SamplingParameters, samples: Int,
        constrainVerdicts: Bool
    ) -> JSONValue {
        var object: JSONObject = [
            "model": .string(model.primaryName),
            "checkpoint_sha256": model.checkpointDigest.map { .string($0) } ?? .null,
            "parser_version": .int(RewardModelReply.parserVersion),
        ]
        if let variant {
            object["prompt_template"] = .string(templateVersion(variant))
            object["sampling"] = .object([
                "temperature": .double(Double(sampling.temperature)), "top_p": .double(Double(sampling.topP)),
                "top_k": .int(sampling.topK), "max_tokens": .int(sampling.maxTokens),
                "seed": sampling.seed.map { .int(Int(Int64(bitPattern: $0))) } ?? .null, "n": .int(samples),
                "constrain_verdicts": .bool(constrainVerdicts),
            ])
        }
        return .object(object)
    }

    /// The variant and the first 12 hex digits of the SHA-256 of its prompt with `{problem}` and
    /// `{solution}` left in: any change to the wording changes the version.
    static func templateVersion(_ variant: RewardModelVariant) -> String {
        var hash = SHA256()
        hash.update(Array(variant.prompt(problem: "{problem}", solution: "{solution}").utf8))
        return variant.rawValue + "@" + hash.finalize().prefix(12)
    }

    /// The tokens one item cost, over all its verifications.
    static func usage(_ outcomes: [VerificationOutcome]) -> JSONValue {
        .object([
            "prompt_tokens": .int(outcomes.reduce(0) { $0 + $1.promptTokens }),
            "completion_tokens": .int(outcomes.reduce(0) { $0 + $1.completionTokens }),
            "cached_tokens": .int(outcomes.reduce(0) { $0 + $1.cachedPromptTokens }),
        ])
    }
}
