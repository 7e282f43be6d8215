import Engine
import Model
import TestSupport
import Testing
import Training

@Suite struct PretrainCorpusTests {
    /// Windows overlap by one token, documents stay apart, and every next-token prediction inside a
    /// document (including its end-of-sequence token) is trained exactly once.
    @Test func everyPredictionInsideADocumentIsTrainedOnce() throws {
        let tokenizer = try Tokenizer(contentsOfFile: Fixtures.model("qwen2-gqa-tied") + "/tokenizer.json")
        let documents = try PretrainCorpus.documents(
            "The first document, a little longer than one window.\n\nSecond.\n\n\n\nThird one here.\n", file: "a.txt")
        #expect(documents.count == 3)
        let sequences = PretrainCorpus.sequences(documents, tokenizer: tokenizer, endOfSequence: 600, sequenceLength: 8)
        var trained: [[Int32]] = []
        for sequence in sequences {
            #expect(sequence.inputCount <= 8)
            for document in sequence.documents {
                for index in 1..<document.tokens.count where document.trainable[index] {
                    trained.append([document.tokens[index - 1], document.tokens[index]])
                }
            }
        }
        var expected: [[Int32]] = []
        for document in documents {
            let ids = tokenizer.encode(document) + [600]
            for index in 1..<ids.count { expected.append([ids[index - 1], ids[index]]) }
        }
        #expect(trained == expected)
    }

    @Test func jsonlLinesNeedATextField() {
        #expect(throws: TrainingDataError.badLine(file: "c.jsonl", line: 2, problem: "no 'text' field")) {
            try PretrainCorpus.documents("{\"text\": \"ok\"}\n{\"body\": \"x\"}\n", file: "c.jsonl")
        }
        #expect(
            throws: TrainingDataError.badLine(file: "c.jsonl", line: 1, problem: "'text' must be a string, found null")
        ) {
            try PretrainCorpus.documents("{\"text\": null}\n", file: "c.jsonl")
        }
    }

    /// A small model learns a simple synthetic language: each sequence counts up by a step of 1, 2 or
    /// 3 modulo 32 from a random start (the step is given by the first two tokens). Held-out loss must
    /// fall from about ln(64) to below 0.5 nats per token.
    @Test func heldOutLossOfASyntheticLanguageFallsBelowABound() {
        let config = ModelConfig(
            architecture: .qwen2, hiddenSize: 32, layerCount: 2, headCount: 4, kvHeadCount: 2, intermediateSize: 64,
            vocabSize: 64, tieWordEmbeddings: true)
        var random = SeededRandom(seed: 12)
        func sentence() -> TrainingSequence {
            let start = Int(random.next() % 32)
            let step = Int(random.next() % 3) + 1
            let tokens = (0..<16).map { Int32(32 + (start + $0 * step) % 32) }
            return TrainingSequence(documents: [
                TrainingDocument(tokens: tokens, trainable: [false, false] + Array(repeating: true, count: 14))
            ])
        }
        let training = (0..<256).map { _ in sentence() }
        let heldOut = TrainingSequence.pack((0..<32).map { _ in sentence() }, tokenBudget: 1 << 20)
        let batches = TrainingSequence.pack(training, tokenBudget: 240)
        let trainer = Trainer(
            parameters: .initialized(config: config, seed: 3), optimizer: AdamWSettings(weightDecay: 0.01),
            schedule: LearningRateSchedule(peak: 1e-2, warmupSteps: 10, totalSteps: 120))
        let initial = trainer.evaluate(heldOut)
        for step in 0..<120 { trainer.step([batches[step % batches.count]]) }
        let final = trainer.evaluate(heldOut)
        #expect(initial > 3.5)
        #expect(final < 0.5, "held-out loss \(initial) -> \(final)")
    }
}
