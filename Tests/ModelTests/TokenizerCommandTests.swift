// spark-tokenize end to end: the built binary, run as a user would.

import Foundation
import Model
import TestSupport
import Testing

@Suite struct TokenizerCommandTests {
    static func run(_ arguments: [String]) throws -> (output: String, status: Int32) {
        let outcome = try CommandRunner.run("spark-tokenize", arguments)
        return (outcome.output, outcome.status)
    }

    static let tokenizer = TokenizerFixtures.path("llama3", "tokenizer.json")

    @Test func encodesAndDecodes() throws {
        let cases = try TokenizerFixtures.cases("llama3", "encode.jsonl").prefix(40)
        for (_, testCase) in cases where !testCase.text.isEmpty {
            var arguments = ["--tokenizer", Self.tokenizer, "--text", testCase.text]
            if testCase.add_special_tokens == true { arguments.append("--add-special-tokens") }
            let (output, status) = try Self.run(arguments)
            #expect(status == 0)
            let expected = "{\"ids\":[\(testCase.ids.map(String.init).joined(separator: ","))]}\n"
            #expect(output == expected, "\(testCase.text.debugDescription)")
        }
        let (output, status) = try Self.run(["--tokenizer", Self.tokenizer, "--ids", "2702,71,607"])
        #expect(status == 0)
        #expect(output == "{\"text\":\"<|begin_of_text|>hé\"}\n")
        let skipped = try Self.run(["--tokenizer", Self.tokenizer, "--ids", "2702,71,607", "--skip-special"])
        #expect(skipped.output == "{\"text\":\"hé\"}\n")
    }

    /// Control characters, quotes and backslashes are escaped; non-ASCII stays UTF-8; the output
    /// parses back to the decoded text.
    @Test func escapesJSON() throws {
        let text = "a\"b\\c\n\t\u{01}\u{1F} é 😀 \u{2028}"
        let encoded = try Self.run(["--tokenizer", Self.tokenizer, "--text", text])
        let ids = try JSONDecoder().decode([String: [Int]].self, from: Data(encoded.output.utf8))["ids"]!
        let decoded = try Self.run([
            "--tokenizer", Self.tokenizer, "--ids", ids.map(String.init).joined(separator: ","),
        ])
        #expect(decoded.output.contains("\\\"b\\\\c\\n\\t\\u0001\\u001f é 😀 \u{2028}"))
        let parsed = try JSONDecoder().decode([String: String].self, from: Data(decoded.output.utf8))
        #expect(parsed["text"] == text)
    }

    @Test func batchKeepsOrderAndReportsBadLines() throws {
        let lines = [
            #"{"text": "Hello world", "add_special_tokens": true}"#,
            #"{"ids": [2702, 71, 607], "skip_special": true}"#,
            #"not json"#,
            #"{"ids": [-1]}"#,
            #"{"text": "\ufeffBOM"}"#,
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("spark-tokenize-\(UUID()).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (output, status) = try Self.run(["--tokenizer", Self.tokenizer, "--batch", file.path])
        let tokenizer = try TokenizerFixtures.tokenizer("llama3")
        let results = output.split(separator: "\n").map(String.init)
        #expect(status == 1)
        try #require(results.count == 5)
        #expect(
            results[0]
                == "{\"ids\":[\(tokenizer.encode("Hello world", addSpecialTokens: true).map(String.init).joined(separator: ","))]}"
        )
        #expect(results[1] == "{\"text\":\"hé\"}")
        #expect(results[2].hasPrefix("{\"error\":\"line 3: not valid JSON"))
        #expect(results[3] == "{\"error\":\"line 4: \\\"ids\\\": expected integers from 0 to 2147483647\"}")
        #expect(
            results[4] == "{\"ids\":[\(tokenizer.encode("\u{FEFF}BOM").map(String.init).joined(separator: ","))]}")
    }

    @Test func usageErrors() throws {
        #expect(try Self.run(["--tokenizer", Self.tokenizer]).status == 2)
        #expect(try Self.run(["--tokenizer", Self.tokenizer, "--text", "a", "--ids", "1"]).status == 2)
        #expect(try Self.run(["--tokenizer", Self.tokenizer, "--ids", "1,x"]).status == 2)
        #expect(try Self.run(["--tokenizer", "/nonexistent.json", "--text", "a"]).status == 1)
    }
}
