import Foundation
import JSON
import Model
import TestSupport
import Testing
import Training

/// Checkpoints written here open in Hugging Face transformers (scripts/transformers_logits.py loads
/// them with AutoModelForCausalLM) and give the training forward's logits within 1e-4: tied and
/// untied Qwen2, Llama with every optional bias, and a fine-tuned fixture whose copied tokenizer
/// files AutoTokenizer reads and encodes as this project does.
@Suite struct TransformersCheckpointTests {
    @Test func transformersLoadsWrittenCheckpointsWithTheSameLogits() throws {
        let configs = [
            ("qwen2-tied", TinyModels.qwen2(tied: true)), ("qwen2-untied", TinyModels.qwen2(tied: false)),
            ("llama-biases", TinyModels.llamaWithAllBiases()),
        ]
        let root = NSTemporaryDirectory() + "spark-transformers-check-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let tokens: [Int32] = [5, 17, 3, 63, 0, 29, 41, 8, 8, 12]
        var expected: [String: [Float]] = [:]
        var batch = TokenBatch()
        batch.append(inputs: tokens, targets: tokens, trainable: Array(repeating: true, count: tokens.count))
        for (index, (name, config)) in configs.enumerated() {
            let parameters = TinyModels.randomParameters(config, seed: UInt64(30 + index))
            let directory = root + "/" + name
            try CheckpointWriter(config: config).write(parameters, to: directory)
            expected[directory] = TrainableTransformer(parameters: parameters).logits(batch)
        }
        let source = Fixtures.model("qwen2-gqa-tied")
        let fineTuned = ModelParameters(
            weights: try ModelWeights(checkpoint: try Checkpoint(directory: source), precision: .float32))
        fineTuned.layers[1].up.weight.pointer[5] += 0.5
        let fineTunedDirectory = root + "/fine-tuned"
        try CheckpointWriter(copyingFrom: source).write(fineTuned, to: fineTunedDirectory)
        expected[fineTunedDirectory] = TrainableTransformer(parameters: fineTuned).logits(batch)
        let text = "<|im_start|>user\nWhat is 12 + 7?<|im_end|>\n"

        let script = CommandRunner.packageRoot.appendingPathComponent("scripts/transformers_logits.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", script, "--ids", tokens.map(String.init).joined(separator: ","), "--text", text]
            + expected.keys.sorted()
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "transformers_logits.py failed: \(errorText)")

        let result = try #require(try JSONValue.parse(Array(data)).objectValue)
        for (directory, logits) in expected {
            let answer = try #require(result[directory]?.objectValue, "no answer for \(directory)")
            let rows = try #require(answer["logits"]?.arrayValue, "no logits for \(directory)")
            let theirs = rows.flatMap { $0.arrayValue ?? [] }.map { Float($0.doubleValue ?? .nan) }
            #expect(theirs.count == logits.count, "\(directory)")
            let worst = zip(logits, theirs).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(directory): relative error \(worst) against transformers")
        }
        let tokenizer = try Tokenizer(contentsOfFile: fineTunedDirectory + "/tokenizer.json")
        let theirIds = try #require(result[fineTunedDirectory]?.objectValue?["text_ids"]?.arrayValue)
        #expect(theirIds.map { Int32($0.intValue ?? -1) } == tokenizer.encode(text))
    }
}
