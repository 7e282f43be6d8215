import Foundation
import Model
import TestSupport
import Testing
import Training

@Suite struct CheckpointWriterTests {
    /// Fine-tuning output keeps the source's config, generation config and tokenizer files, and
    /// replaces an older checkpoint in the same folder without leaving temporary folders behind.
    @Test func rewritesAFixtureCheckpointInPlace() throws {
        let source = Fixtures.model("qwen2-gqa-tied")
        let checkpoint = try Checkpoint(directory: source)
        let parameters = try ModelParameters(checkpoint: checkpoint)
        let root = NSTemporaryDirectory() + "spark-checkpoint-writer-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/out"
        let writer = try CheckpointWriter(copyingFrom: source)
        try writer.write(parameters, to: directory, extraFiles: ["note.txt": Array("first".utf8)])
        parameters.finalNorm.fill(2)
        try writer.write(parameters, to: directory)

        let written = try Checkpoint(directory: directory)
        #expect(written.config == checkpoint.config)
        #expect(written.generationConfig == checkpoint.generationConfig)
        #expect(written.tokenizerConfig == checkpoint.tokenizerConfig)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            #expect(try FileReader.bytes(directory + "/" + file) == FileReader.bytes(source + "/" + file), "\(file)")
        }
        let reloaded = try ModelParameters(checkpoint: written)
        #expect(reloaded.finalNorm.array.allSatisfy { $0 == 2 })
        #expect(reloaded.embedding.array == parameters.embedding.array)
        #expect(!FileManager.default.fileExists(atPath: directory + "/note.txt"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root)
        #expect(leftovers == ["out"])
    }
}
