import Foundation
import JSON
import Model
import TestSupport
import Testing
import Training

/// Checkpoints written here open in Hugging Face transformers (scripts/transformers_logits.py loads
/// them with AutoModelForCausalLM) and give the training forward's logits within 1e-4: tied and
/// untied Qwen2, Llama with every optional bias, and a fine-tuned fixture whose copied tokenizer
/// files AutoTokenizer reads and encodes as this project does. Without torch and transformers the
/// comparison is with their answers recorded for the same checkpoint bytes
/// (SPARK_RECORD_TRANSFORMERS=1 records them again).
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

        // transformers' answers, live where torch and transformers are installed (they are not needed to
        // build or test the project), else as recorded by the last live run for these same checkpoints.
        let golden = Self.goldenPath
        let result: JSONObject
        if Self.pythonHasTransformers() {
            result = try Self.runTransformers(tokens: tokens, text: text, directories: expected.keys.sorted())
            var recorded: JSONObject = [:]
            for directory in expected.keys.sorted() {
                var answer = result[directory]?.objectValue ?? [:]
                answer["sha256"] = .string(try Checkpoint(directory: directory).contentDigest())
                recorded[String(directory.dropFirst(root.count + 1))] = .object(answer)
            }
            if ProcessInfo.processInfo.environment["SPARK_RECORD_TRANSFORMERS"] != nil {
                try Array(JSONValue.object(recorded).serialized.utf8).withUnsafeBytes {
                    try Data($0).write(to: URL(fileURLWithPath: golden))
                }
            }
        } else {
            let recorded = try #require(
                try JSONValue.parse(Array(FileManager.default.contents(atPath: golden)!)).objectValue)
            var byDirectory: JSONObject = [:]
            for directory in expected.keys {
                let answer = try #require(recorded[String(directory.dropFirst(root.count + 1))]?.objectValue)
                // The recording holds for these bytes only.
                #expect(
                    answer["sha256"] == .string(try Checkpoint(directory: directory).contentDigest()), "\(directory)")
                byDirectory[directory] = .object(answer)
            }
            result = byDirectory
        }
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

    static let goldenPath = #filePath.replacingOccurrences(
        of: "TransformersCheckpointTests.swift", with: "transformers_checkpoints.json")

    static func pythonHasTransformers() -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import torch, transformers"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static func runTransformers(tokens: [Int32], text: String, directories: [String]) throws -> JSONObject {
        let script = CommandRunner.packageRoot.appendingPathComponent("scripts/transformers_logits.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", script, "--ids", tokens.map(String.init).joined(separator: ","), "--text", text] + directories
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "transformers_logits.py failed: \(errorText)")
        return try #require(try JSONValue.parse(Array(data)).objectValue)
    }
}
