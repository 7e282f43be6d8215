import Foundation
import Model
import Synchronization
import Synthesis
import TestSupport
import Testing

/// The local backend gives a call the same reply whatever else shares its batch, which is what lets a
/// resumed run (which batches only the missing calls) write what an uninterrupted run would have.
@Suite struct EngineBackendTests {
    func replies(_ backend: EngineBackend, _ calls: [ModelCall]) throws -> [String] {
        let collected = Mutex([String?](repeating: nil, count: calls.count))
        try backend.complete(calls) { index, reply in collected.withLock { $0[index] = reply } }
        return collected.withLock { $0.map { $0! } }
    }

    @Test func aCallsReplyDoesNotDependOnItsBatch() throws {
        let model = try ServerProcess.checkpointCopy(of: "qwen2-gqa-tied")
        defer { try? FileManager.default.removeItem(atPath: model) }
        let calls = (0..<4).map { index in
            ModelCall(
                prompt: StageOnePrompts.generator(problem: "What is \(index) + 2?"), temperature: 0.7, topP: 0.95,
                maxTokens: 12, seed: ModelCall.seed(run: 3, place: "generate/\(index)/0"))
        }
        let together = try replies(EngineBackend(directory: model, batchSize: 4), calls)
        let alone = try replies(EngineBackend(directory: model, batchSize: 1), calls)
        let partly = try replies(EngineBackend(directory: model, batchSize: 4), Array(calls[2...]))
        #expect(together == alone)
        #expect(Array(together[2...]) == partly)
        #expect(Set(together).count > 1)
    }

    @Test func aCallLongerThanTheContextIsCutAtTheContextsEnd() throws {
        let model = try ServerProcess.checkpointCopy(of: "qwen2-gqa-tied")
        defer { try? FileManager.default.removeItem(atPath: model) }
        let checkpoint = try Checkpoint(directory: model)
        let tokenizer = try Tokenizer(contentsOfFile: try #require(checkpoint.tokenizerPath))
        let prompt = StageOnePrompts.generator(problem: "What is 1 + 2?")
        let rendered = try ChatTemplate.recognise(checkpoint.tokenizerConfig.chatTemplate)
            .render([ChatMessage(role: "user", content: prompt)], addGenerationPrompt: true)
        // A context with room for 8 tokens after the prompt.
        let room = 8
        let context = tokenizer.encode(rendered, addSpecialTokens: false).count + room
        let configPath = model + "/config.json"
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
        try config.replacingOccurrences(
            of: "\"max_position_embeddings\": 32768", with: "\"max_position_embeddings\": \(context)"
        ).write(toFile: configPath, atomically: true, encoding: .utf8)
        let call = { (maxTokens: Int) in
            ModelCall(prompt: prompt, temperature: 1, topP: 1, maxTokens: maxTokens, seed: 11)
        }
        let backend = try EngineBackend(directory: model)
        let cut = try replies(backend, [call(500)])
        #expect(cut == (try replies(backend, [call(room)])))
        #expect(cut != (try replies(backend, [call(room - 4)])))
    }

    @Test func aFolderThatIsNoCheckpointIsNamed() {
        #expect {
            try EngineBackend(directory: "/nonexistent")
        } throws: { error in
            "\(error)".hasPrefix("cannot load the checkpoint /nonexistent: ")
        }
    }
}
