// Stage I calls run on a local checkpoint by the project's engine: each call's user message is put in
// the checkpoint's chat template and sampled with its own seed, `batchSize` calls at a time on one
// generator (so that the journal records progress between batches). Seeded sampling does not depend on
// what else is in the batch, so a resumed run gets the same replies. Top-k is the checkpoint's
// `generation_config.json` default, as spark-server and vLLM apply it to a request that names none, so
// that a checkpoint gives the same replies here and behind an endpoint. A call whose prompt leaves less
// room in the context than its max_tokens gets the room there is: its reply ends at the context's end
// (a verification cut there has no final verdict and counts as unparsed), and one whose prompt fills the
// context is answered with an empty reply, instead of one long meta-critique prompt stopping a run of
// thousands of calls. EndpointBackend does the same with an endpoint's context-length refusals.

import Engine
import Model
import Scheduler

public final class EngineBackend: CompletionBackend {
    public let directory: String
    public let batchSize: Int
    private let generator: Generator
    private let template: ChatTemplate
    private let tokenizer: Tokenizer
    private let stopTokenIds: Set<Int32>
    private let topK: Int

    public init(directory: String, batchSize: Int = 32) throws(SynthesisError) {
        precondition(batchSize > 0)
        self.directory = directory
        self.batchSize = batchSize
        do {
            let checkpoint = try Checkpoint(directory: directory)
            guard let tokenizerPath = checkpoint.tokenizerPath else {
                throw SynthesisError.backend("\(directory): the checkpoint has no tokenizer.json")
            }
            let tokenizer = try Tokenizer(contentsOfFile: tokenizerPath)
            self.tokenizer = tokenizer
            template = try ChatTemplate.recognise(checkpoint.tokenizerConfig.chatTemplate)
            let eos = checkpoint.tokenizerConfig.eosToken.flatMap { tokenizer.id(of: $0) }
            stopTokenIds = checkpoint.endOfSequenceIds(eosTokenId: eos)
            topK = checkpoint.generationConfig.topK ?? 0
            generator = Generator(
                transformer: Transformer(weights: try ModelWeights(checkpoint: checkpoint)), tokenizer: tokenizer)
        } catch let error as SynthesisError {
            throw error
        } catch {
            throw .backend("cannot load the checkpoint \(directory): \(error)")
        }
    }

    public var identity: String { directory }

    public func complete(_ calls: [ModelCall], deliver: @escaping @Sendable (Int, String) -> Void)
        throws(SynthesisError)
    {
        for start in stride(from: 0, to: calls.count, by: batchSize) {
            var indices: [Int] = []
            var requests: [GenerationRequest] = []
            for index in start..<min(start + batchSize, calls.count) {
                let call = calls[index]
                let text = template.render([ChatMessage(role: "user", content: call.prompt)], addGenerationPrompt: true)
                let promptIds = tokenizer.encode(text, addSpecialTokens: false)
                let room = generator.contextLength - promptIds.count
                guard room > 0 else {
                    deliver(index, "")
                    continue
                }
                indices.append(index)
                requests.append(
                    GenerationRequest(
                        promptIds: promptIds,
                        sampling: SamplingParameters(
                            temperature: Float(call.temperature), topK: topK, topP: Float(call.topP), seed: call.seed,
                            maxTokens: min(call.maxTokens, room), stopTokenIds: stopTokenIds)))
            }
            do {
                for (index, result) in zip(indices, try generator.generate(requests)) {
                    deliver(index, result.completion)
                }
            } catch {
                throw .call("\(directory): \(error.description)")
            }
        }
    }
}
