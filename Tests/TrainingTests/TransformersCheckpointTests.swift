import Foundation
import JSON
import Model
import TestSupport
import Testing
import Training

/// Checkpoints written here open in Hugging Face transformers (scripts/transformers_logits.py loads
/// them with AutoModelForCausalLM) and give the training forward's logits within 1e-4: tied and
/// untied Qwen2, and Llama with every optional bias.
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
        for (index, (name, config)) in configs.enumerated() {
            let parameters = TinyModels.randomParameters(config, seed: UInt64(30 + index))
            let directory = root + "/" + name
            try CheckpointWriter(config: config).write(parameters, to: directory)
            var batch = TokenBatch()
            batch.append(inputs: tokens, targets: tokens, trainable: Array(repeating: true, count: tokens.count))
            expected[directory] = TrainableTransformer(parameters: parameters).logits(batch)
        }

        let script = CommandRunner.packageRoot.appendingPathComponent("scripts/transformers_logits.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", script, "--ids", tokens.map(String.init).joined(separator: ",")] + expected.keys.sorted()
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
            let rows = try #require(result[directory]?.arrayValue, "no logits for \(directory)")
            let theirs = rows.flatMap { $0.arrayValue ?? [] }.map { Float($0.doubleValue ?? .nan) }
            #expect(theirs.count == logits.count, "\(directory)")
            let worst = zip(logits, theirs).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(directory): relative error \(worst) against transformers")
        }
    }
}
