import Foundation
import JSON
import Model
import TestSupport
import Testing

/// spark-generate end to end, against the transformers goldens.
@Suite struct GenerateCommandTests {
    let model = Fixtures.model("qwen2-gqa-tied")

    func run(_ arguments: [String]) throws -> CommandRunner.Outcome {
        try CommandRunner.run("spark-generate", ["--model", model] + arguments)
    }

    func object(_ line: some StringProtocol) throws -> JSONObject {
        try #require(try JSONValue.parse(String(line)).objectValue)
    }

    func ids(_ value: JSONValue?) throws -> [Int32] {
        try #require(value?.arrayValue).map { Int32(try #require($0.intValue)) }
    }

    @Test func idsInIdsOutMatchTransformersGreedy() throws {
        let golden = try Fixtures.golden("qwen2-gqa-tied")
        for goldenCase in golden.cases.prefix(4) {
            let outcome = try run([
                "--prompt-ids", goldenCase.promptIds.map(String.init).joined(separator: ","), "--json", "--ignore-eos",
                "--max-tokens", String(goldenCase.greedyIds.count),
            ])
            #expect(outcome.status == 0, "\(outcome.errorOutput)")
            let result = try object(outcome.output.trimmingCharacters(in: .newlines))
            #expect(try ids(result["prompt_ids"]) == goldenCase.promptIds)
            #expect(try ids(result["completion_ids"]) == goldenCase.greedyIds)
            #expect(result["finish_reason"] == .string("length"))
            #expect(result["logprobs"]?.arrayValue?.count == goldenCase.greedyIds.count)
        }
    }

    @Test func textPromptsTokenizeAsTransformersDoes() throws {
        let golden = try Fixtures.golden("qwen2-gqa-tied")
        let goldenCase = try #require(golden.cases.first { $0.text != nil })
        let outcome = try run(["--prompt", goldenCase.text!, "--json", "--ignore-eos", "--max-tokens", "24"])
        let result = try object(outcome.output.trimmingCharacters(in: .newlines))
        #expect(try ids(result["prompt_ids"]) == goldenCase.promptIds)
        #expect(try ids(result["completion_ids"]) == goldenCase.greedyIds)
    }

    @Test func chatPromptsAreTheTemplateTransformersRenders() throws {
        let golden = try JSONValue.parse(FileReader.bytes(Fixtures.root + "/golden/qwen2-gqa-tied.json"))
        let userOnly = try #require(golden.objectValue?["chat_cases"]?.arrayValue?.first?.objectValue)
        let message = try #require(userOnly["messages"]?.arrayValue?.first?.objectValue?["content"]?.stringValue)
        let outcome = try run(["--prompt", message, "--chat", "--json", "--max-tokens", "1"])
        let result = try object(outcome.output.trimmingCharacters(in: .newlines))
        #expect(try ids(result["prompt_ids"]) == (try ids(userOnly["ids"])))
    }

    @Test func dumpsPromptLogitsAsNumpy() throws {
        let golden = try Fixtures.golden("qwen2-gqa-tied")
        let goldenCase = try #require(golden.cases.first { $0.name == "ids-31" })
        let path = NSTemporaryDirectory() + "spark-logits-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try run([
            "--prompt-ids", goldenCase.promptIds.map(String.init).joined(separator: ","), "--max-tokens", "0",
            "--dump-logits", path,
        ])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let written = try NumpyArray.load(contentsOfFile: path)
        let expected = try NumpyArray.load(contentsOfFile: goldenCase.logitsPath)
        #expect(written.shape == expected.shape)
        #expect(maxDifference(written.values, expected.values) <= goldenCase.tolerance)
    }

    @Test func batchesKeepOrderAndReportBadLinesInPlace() throws {
        let path = NSTemporaryDirectory() + "spark-batch-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = [
            #"{"prompt_ids": [1, 2, 3], "max_tokens": 3}"#, "", #"{"prompt": "Step 1:", "max_tokens": 2}"#, "not json",
            #"{"prompt_ids": [9999]}"#, #"{"prompt_ids": [4, 5], "temperature": 0.7, "seed": 3, "max_tokens": 4}"#,
        ]
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try run(["--batch", path, "--ignore-eos"])
        #expect(outcome.status == 1)
        let results = outcome.output.split(separator: "\n")
        try #require(results.count == 5)
        #expect(try ids(try object(results[0])["completion_ids"]).count == 3)
        #expect(try ids(try object(results[1])["completion_ids"]).count == 2)
        #expect(try object(results[2])["error"]?.stringValue?.hasPrefix("line 4: invalid JSON") == true)
        #expect(
            try object(results[3])["error"]?.stringValue == "line 5: token id 9999 is outside the vocabulary (0..<640)")
        #expect(try ids(try object(results[4])["completion_ids"]).count == 4)
    }

    @Test func badInputExitsWithAMessage() throws {
        let missing = try CommandRunner.run("spark-generate", ["--model", "/nonexistent", "--prompt", "x"])
        #expect(missing.status == 1)
        #expect(missing.errorOutput.contains("/nonexistent: not a directory"))
        let usage = try run(["--prompt", "x", "--max-tokens", "many"])
        #expect(usage.status == 2)
        #expect(usage.errorOutput.contains("'many' is not an integer"))
        let tooLong = try run(["--prompt-ids", "1", "--max-tokens", "5000"])
        #expect(tooLong.status == 1)
        #expect(tooLong.errorOutput.contains("exceeds the model's context length of 2048 tokens"))
    }
}
