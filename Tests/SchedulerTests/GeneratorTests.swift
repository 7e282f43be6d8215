import Engine
import Model
import Scheduler
import TestSupport
import Testing

@Suite struct GeneratorTests {
    let checkpoint: Checkpoint
    let tokenizer: Tokenizer
    let generator: Generator
    let golden: Golden

    init() throws {
        checkpoint = try Checkpoint(directory: Fixtures.model("qwen2-gqa-tied"))
        tokenizer = try Tokenizer(contentsOfFile: try #require(checkpoint.tokenizerPath))
        generator = Generator(
            transformer: Transformer(weights: try ModelWeights(checkpoint: checkpoint)), tokenizer: tokenizer)
        golden = try Fixtures.golden("qwen2-gqa-tied")
    }

    func greedy(maxTokens: Int, stopTokens: Set<Int32> = [], stop: [String] = []) -> SamplingParameters {
        SamplingParameters(temperature: 0, maxTokens: maxTokens, stopStrings: stop, stopTokenIds: stopTokens)
    }

    @Test func greedyGenerationOfABatchMatchesTransformers() throws {
        // All golden prompts at once, in prefill chunks of at most 7 tokens per step.
        generator.maxBatchTokens = 7
        let requests = golden.cases.map {
            GenerationRequest(promptIds: $0.promptIds, sampling: greedy(maxTokens: $0.greedyIds.count))
        }
        let results = try generator.generate(requests)
        for (result, goldenCase) in zip(results, golden.cases) {
            #expect(result.completionIds == goldenCase.greedyIds, "\(goldenCase.name)")
            #expect(result.finishReason == .length)
            #expect(result.completion == tokenizer.decode(goldenCase.greedyIds, skipSpecialTokens: true))
            #expect(result.tokenLogprobs.count == goldenCase.greedyIds.count)
        }
    }

    @Test func promptLogitsAreTheForwardPassLogits() throws {
        let goldenCase = golden.cases.first { $0.name == "ids-12" }!
        let expected = try NumpyArray.load(contentsOfFile: goldenCase.logitsPath)
        let result = try generator.generate([
            GenerationRequest(promptIds: goldenCase.promptIds, sampling: greedy(maxTokens: 0), keepPromptLogits: true)
        ])[0]
        let logits = try #require(result.promptLogits)
        #expect(logits.shape == expected.shape)
        #expect(maxDifference(logits.values, expected.values) <= goldenCase.tolerance)
        #expect(result.completionIds.isEmpty)
    }

    @Test func stopsAtAnEndOfSequenceTokenAndKeepsIt() throws {
        let goldenCase = golden.cases.first { $0.name == "ids-31" }!
        let stopToken = goldenCase.greedyIds[5]
        let firstStop = goldenCase.greedyIds.firstIndex(of: stopToken)!
        let result = try generator.generate([
            GenerationRequest(promptIds: goldenCase.promptIds, sampling: greedy(maxTokens: 24, stopTokens: [stopToken]))
        ])[0]
        #expect(result.finishReason == .stop)
        #expect(result.completionIds == Array(goldenCase.greedyIds[...firstStop]))
    }

    @Test func stopsBeforeAStopStringAndCutsTheText() throws {
        let goldenCase = golden.cases.first { $0.name == "text-0" }!
        let full = tokenizer.decode(goldenCase.greedyIds, skipSpecialTokens: true)
        let bytes = Array(full.utf8)
        // A stop string from the middle of the continuation, three bytes long, on character boundaries.
        var start = bytes.count / 2
        while start < bytes.count, bytes[start] & 0xC0 == 0x80 { start += 1 }
        let stop = String(decoding: bytes[start..<min(bytes.count, start + 3)], as: UTF8.self)
        let expectedText = String(full[..<full.firstRange(of: stop)!.lowerBound])
        let result = try generator.generate([
            GenerationRequest(
                promptIds: goldenCase.promptIds, sampling: greedy(maxTokens: 24, stop: ["never-seen", stop]))
        ])[0]
        #expect(result.finishReason == .stop)
        #expect(result.completion == expectedText)
        #expect(goldenCase.greedyIds.starts(with: result.completionIds))
    }

    @Test func aSeededSampleDoesNotDependOnItsBatch() throws {
        let sampling = SamplingParameters(temperature: 0.9, topP: 0.95, seed: 1234, maxTokens: 16)
        let prompt = golden.cases[2].promptIds
        let alone = try generator.generate([GenerationRequest(promptIds: prompt, sampling: sampling)])[0]
        var others = golden.cases.map { GenerationRequest(promptIds: $0.promptIds, sampling: greedy(maxTokens: 5)) }
        others.insert(GenerationRequest(promptIds: prompt, sampling: sampling), at: 3)
        let together = try generator.generate(others)[3]
        #expect(alone.completionIds == together.completionIds)
        #expect(alone.tokenLogprobs == together.tokenLogprobs)
    }

    @Test(arguments: [
        (GenerationRequest(promptIds: [], sampling: SamplingParameters()), "the prompt is empty"),
        (
            GenerationRequest(promptIds: [1, 640], sampling: SamplingParameters()),
            "token id 640 is outside the vocabulary (0..<640)"
        ),
        (
            GenerationRequest(promptIds: [1], sampling: SamplingParameters(maxTokens: 2048)),
            "exceeds the model's context length of 2048"
        ),
        (
            GenerationRequest(promptIds: [1], sampling: SamplingParameters(temperature: -1)),
            "temperature must be a number >= 0"
        ),
        (GenerationRequest(promptIds: [1], sampling: SamplingParameters(topP: 0)), "top_p must be in (0, 1]"),
        (GenerationRequest(promptIds: [1], sampling: SamplingParameters(topK: -3)), "top_k must be >= 0"),
        (GenerationRequest(promptIds: [1], sampling: SamplingParameters(stopStrings: [""])), "a stop string is empty"),
    ])
    func refusesBadRequestsWithTheReason(request: GenerationRequest, message: String) {
        do {
            _ = try generator.generate([GenerationRequest(promptIds: [5], sampling: SamplingParameters()), request])
            Issue.record("expected an error for \(message)")
        } catch {
            #expect(error.request == 1)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
