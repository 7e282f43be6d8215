// spark-train tokenizer end to end: the built binary, run as a user would.

import Foundation
import TestSupport
import Testing

@Suite struct TokenizerTrainingCommandTests {
    @Test func trainsWhatHFTrains() throws {
        let directory = TestFiles.scratchDirectory("spark-train-tokenizer")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try CommandRunner.run(
            "spark-train",
            [
                "tokenizer", "--data", BPETrainingFixtures.folder + "/corpus.jsonl", "--vocab-size", "1200", "--out",
                directory,
            ])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        #expect(
            TestFiles.read(directory + "/tokenizer.json")
                == TestFiles.read(BPETrainingFixtures.folder + "/jsonl/tokenizer.json"))
        #expect(outcome.output.contains("1200 tokens: 3 special, 256 bytes, 941 merges"))
        #expect(outcome.output.contains(" MB/s"))
        #expect(outcome.errorOutput.contains("merges: 941 of 941"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == [
                "tokenizer.json", "tokenizer_config.json",
            ])
    }

    @Test func llama3SplitTrainsWhatHFTrains() throws {
        let directory = TestFiles.scratchDirectory("spark-train-tokenizer-llama3")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try CommandRunner.run(
            "spark-train",
            [
                "tokenizer", "--data", BPETrainingFixtures.folder + "/corpus.txt", "--vocab-size", "1200",
                "--split-pattern", "llama3", "--out", directory,
            ])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        #expect(
            TestFiles.read(directory + "/tokenizer.json")
                == TestFiles.read(BPETrainingFixtures.folder + "/llama3/tokenizer.json"))
    }

    /// HF's trainer has no `--digits-apart`: its reference is trained on pieces of one digit each, so the
    /// files differ in the split pattern alone.
    @Test func gpt2SplitWithDigitsApartTrainsWhatHFTrainsOnDigitPieces() throws {
        let directory = TestFiles.scratchDirectory("spark-train-tokenizer-digits-apart")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try CommandRunner.run(
            "spark-train",
            [
                "tokenizer", "--data", BPETrainingFixtures.folder + "/corpus.txt", "--vocab-size", "1200",
                "--split-pattern", "gpt2", "--digits-apart", "--out", directory,
            ])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let written = String(decoding: TestFiles.read(directory + "/tokenizer.json"), as: UTF8.self)
        #expect(
            written.replacing(#" ?\\p{N}+"#, with: #" ?[0-9]| ?\\p{N}+"#)
                == BPETrainingFixtures.hfFile("digits-apart"))
    }

    @Test func helpDocumentsEveryOptionAndDefault() throws {
        let outcome = try CommandRunner.run("spark-train", ["tokenizer", "--help"])
        #expect(outcome.status == 0)
        for text in [
            "--data FILE", "--vocab-size N", "--out DIR", "--special-tokens LIST",
            "(default: <|endoftext|>,<|im_start|>,<|im_end|>)", "--min-frequency F", "(default: 2)",
            "--format auto|text|jsonl", "(default: auto)", "--split-pattern qwen2|llama3|gpt2", "(default: qwen2)",
            "--digits-apart",
        ] {
            #expect(outcome.output.contains(text), "\(text)")
        }
    }

    @Test func refusesBadArgumentsAndBadData() throws {
        let directory = TestFiles.scratchDirectory("spark-train-tokenizer-errors")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = BPETrainingFixtures.folder + "/corpus.txt"
        let badJSONL = directory + "/bad.jsonl"
        TestFiles.write("{\"text\": \"fine\"}\n{\"text\": null}\n", to: badJSONL)
        let blankJSONL = directory + "/blank.jsonl"
        TestFiles.write("\n  \n", to: blankJSONL)
        let cases: [(data: String, extra: [String], status: Int32, message: String)] = [
            (
                text, ["--vocab-size", "100"], 2,
                "--vocab-size must be at least 259 (3 special tokens and 256 byte symbols), found 100"
            ),
            (text, ["--vocab-size", "300", "--special-tokens", "<s>,<s>"], 2, "--special-tokens lists a token twice"),
            (text, ["--vocab-size", "300", "--format", "csv"], 2, "--format must be auto, text or jsonl, found csv"),
            (
                text, ["--vocab-size", "300", "--split-pattern", "gpt4"], 2,
                "--split-pattern must be qwen2, llama3 or gpt2, found gpt4"
            ),
            (
                badJSONL, ["--vocab-size", "300"], 1,
                "bad.jsonl line 2: expected an object with a string field \"text\", found null"
            ),
            (blankJSONL, ["--vocab-size", "300"], 1, "blank.jsonl: no text to train on"),
        ]
        for (data, extra, status, message) in cases {
            let outcome = try CommandRunner.run(
                "spark-train", ["tokenizer", "--data", data, "--out", directory] + extra)
            #expect(outcome.status == status, "\(extra)")
            #expect(outcome.errorOutput.contains(message), "\(outcome.errorOutput)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/tokenizer.json"))
    }
}
