import Foundation
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
        let model = try ServerProcess.widenedCopy(of: "qwen2-gqa-tied")
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

    @Test func aFolderThatIsNoCheckpointIsNamed() {
        #expect {
            try EngineBackend(directory: "/nonexistent")
        } throws: { error in
            "\(error)".hasPrefix("cannot load the checkpoint /nonexistent: ")
        }
    }
}
