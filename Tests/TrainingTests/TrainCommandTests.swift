import Foundation
import Model
import TestSupport
import Testing

/// spark-train sft and pretrain as a user runs them: the files they write, resuming, and the errors
/// for bad data and mismatched models.
@Suite struct TrainCommandTests {
    let root = NSTemporaryDirectory() + "spark-train-jobs-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
    let model = Fixtures.model("qwen2-gqa-tied")

    init() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var lines: [String] = []
        for index in 0..<16 {
            let (a, b) = (index % 7 + 1, index % 5 + 2)
            lines.append(
                index % 2 == 0
                    ? #"{"prompt": "\#(a)+\#(b)=", "completion": "\#(a + b)"}"#
                    : #"{"messages": [{"role": "user", "content": "\#(a) plus \#(b)?"}, {"role": "assistant", "content": "\#(a + b)"}]}"#
            )
        }
        try write(lines.joined(separator: "\n") + "\n", "sft.jsonl")
    }

    private func write(_ text: String, _ name: String) throws {
        try text.write(toFile: root + "/" + name, atomically: true, encoding: .utf8)
    }

    private func sft(_ out: String, _ extra: [String]) throws -> CommandRunner.Outcome {
        try CommandRunner.run(
            "spark-train",
            [
                "sft", "--model", model, "--data", root + "/sft.jsonl", "--out", root + "/" + out, "--lr", "1e-3",
                "--batch-tokens", "128", "--seed", "3", "--quiet",
            ] + extra)
    }

    @Test func sftWritesACheckpointWithMetricsAndPlot() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outcome = try CommandRunner.run(
            "spark-train",
            [
                "sft", "--model", model, "--data", root + "/sft.jsonl", "--out", root + "/out", "--steps", "4",
                "--eval-every", "2", "--batch-tokens", "128",
            ])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let progress = outcome.errorOutput.split(separator: "\r").last.map(String.init) ?? ""
        #expect(progress.contains("step 4/4  loss "), "\(progress)")
        for field in ["  lr ", " tok/s  ETA "] { #expect(progress.contains(field), "\(progress)") }
        let out = root + "/out"
        let checkpoint = try Checkpoint(directory: out)
        #expect(checkpoint.tokenizerPath != nil)
        _ = try ModelWeights(checkpoint: checkpoint)
        let metrics = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(metrics.count == 5)
        #expect(metrics[2].split(separator: ",", omittingEmptySubsequences: false)[3] != "")
        #expect(try String(contentsOfFile: out + "/loss.svg", encoding: .utf8).hasPrefix("<svg"))
        #expect(outcome.errorOutput.contains("eval loss"))
    }

    /// Two sessions of two steps and a third of two, resumed with optimiser state, end with the
    /// weights of one uninterrupted six-step run: bit for bit, as is a second run with the same seed.
    @Test func aResumedRunEndsWhereAnUninterruptedOneDoes() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        for out in ["straight", "again"] {
            let outcome = try sft(out, ["--steps", "6"])
            #expect(outcome.status == 0, "\(outcome.errorOutput)")
        }
        for session in 0..<3 {
            let outcome = try sft("pieces", ["--steps", "6", "--stop-after", "2"] + (session > 0 ? ["--resume"] : []))
            #expect(outcome.status == 0, "\(outcome.errorOutput)")
        }
        let straight = try FileReader.bytes(root + "/straight/model.safetensors")
        #expect(try FileReader.bytes(root + "/again/model.safetensors") == straight)
        #expect(try FileReader.bytes(root + "/pieces/model.safetensors") == straight)
        let rows = try String(contentsOfFile: root + "/pieces/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 7)
    }

    @Test func pretrainsANewModelFromAConfigAndATokenizer() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write(
            #"{"architectures": ["Qwen2ForCausalLM"], "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 64, "vocab_size": 640, "tie_word_embeddings": true, "eos_token_id": 600}"#,
            "config.json")
        try write(String(repeating: "One plus one is two.\n\nTwo plus two is four.\n\n", count: 20), "corpus.txt")
        let outcome = try CommandRunner.run(
            "spark-train",
            [
                "pretrain", "--config", root + "/config.json", "--tokenizer", model + "/tokenizer.json", "--data",
                root + "/corpus.txt", "--out", root + "/new", "--steps", "3", "--sequence-length", "32", "--quiet",
            ])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let checkpoint = try Checkpoint(directory: root + "/new")
        #expect(checkpoint.config.hiddenSize == 32)
        #expect(try FileReader.bytes(root + "/new/tokenizer.json") == FileReader.bytes(model + "/tokenizer.json"))
    }

    @Test func badDataAndMismatchedModelsAreClearErrors() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write(#"{"prompt": "1+1=", "completion": "2"}"# + "\n" + #"{"prompt": "2+2="}"# + "\n", "bad.jsonl")
        let bad = try CommandRunner.run(
            "spark-train", ["sft", "--model", model, "--data", root + "/bad.jsonl", "--out", root + "/x"])
        #expect(bad.status == 1)
        #expect(bad.errorOutput.contains("bad.jsonl:2: 'completion' is missing"), "\(bad.errorOutput)")

        try write("\n\n   \n", "empty.txt")
        let empty = try CommandRunner.run(
            "spark-train", ["pretrain", "--model", model, "--data", root + "/empty.txt", "--out", root + "/y"])
        #expect(empty.status == 1)
        #expect(empty.errorOutput.contains("empty.txt: no trainable tokens"), "\(empty.errorOutput)")

        try write(
            #"{"architectures": ["Qwen2ForCausalLM"], "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32, "vocab_size": 100}"#,
            "small.json")
        let mismatch = try CommandRunner.run(
            "spark-train",
            [
                "pretrain", "--config", root + "/small.json", "--tokenizer", model + "/tokenizer.json", "--data",
                root + "/empty.txt", "--out", root + "/z",
            ])
        #expect(mismatch.status == 1)
        #expect(
            mismatch.errorOutput.contains("has 603 tokens but the model's vocab_size is 100"), "\(mismatch.errorOutput)"
        )
    }
}
