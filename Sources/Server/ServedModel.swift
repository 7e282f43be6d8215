// What the HTTP routes need to know about the loaded model: the names it answers to, its tokenizer and
// chat template, its limits, and the sampling defaults of its generation_config.json.

import Engine
import Model

public struct ServedModel: Sendable {
    /// The names requests may use in `model`: the alias first, then the checkpoint path as given and
    /// without a trailing slash (SPARK's RL client sends the path).
    public let names: [String]
    public let tokenizer: Tokenizer
    /// nil when the checkpoint's template is not ChatML-shaped; the reason is then in `chatTemplateProblem`.
    public let chatTemplate: ChatTemplate?
    public let chatTemplateProblem: String?
    public let contextLength: Int
    public let vocabularySize: Int
    public let endOfSequenceIds: Set<Int32>
    public let defaults: GenerationConfig
    /// Unix time of loading, reported as `created`.
    public let created: Int
    /// SHA-256 of config.json and the weights (Checkpoint.contentDigest); nil for a stand-in model.
    public let checkpointDigest: String?

    /// A model described directly (for serving a stand-in model in tests).
    public init(
        names: [String], tokenizer: Tokenizer, chatTemplate: ChatTemplate, contextLength: Int, vocabularySize: Int,
        endOfSequenceIds: Set<Int32>, defaults: GenerationConfig = GenerationConfig(), created: Int = 0
    ) {
        self.names = names
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        chatTemplateProblem = nil
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.endOfSequenceIds = endOfSequenceIds
        self.defaults = defaults
        self.created = created
        checkpointDigest = nil
    }

    public init(
        checkpoint: Checkpoint, tokenizer: Tokenizer, alias: String?, created: Int, checkpointDigest: String?
    ) {
        var names: [String] = []
        if let alias { names.append(alias) }
        names.append(checkpoint.directory)
        var trimmed = checkpoint.directory
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        if !names.contains(trimmed) { names.append(trimmed) }
        self.names = names
        self.tokenizer = tokenizer
        do {
            chatTemplate = try ChatTemplate.recognise(checkpoint.tokenizerConfig.chatTemplate)
            chatTemplateProblem = nil
        } catch {
            chatTemplate = nil
            chatTemplateProblem = error.description
        }
        contextLength = checkpoint.config.maxPositionEmbeddings
        vocabularySize = checkpoint.config.vocabSize
        let eosName = checkpoint.tokenizerConfig.eosToken
        endOfSequenceIds = checkpoint.endOfSequenceIds(eosTokenId: eosName.flatMap { tokenizer.id(of: $0) })
        defaults = checkpoint.generationConfig
        self.created = created
        self.checkpointDigest = checkpointDigest
    }

    public var primaryName: String { names[0] }

    /// Checks the request's `model` field; absent means "the one model".
    func check(modelName: String?) throws(APIError) {
        guard let modelName else { return }
        var trimmed = modelName
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !names.contains(modelName), !names.contains(trimmed) else { return }
        throw .notFound(
            "model '\(modelName)' is not served here; use '\(primaryName)'"
                + (names.count > 1
                    ? " (also accepted: \(names.dropFirst().map { "'\($0)'" }.joined(separator: ", ")))" : ""),
            parameter: "model")
    }
}
