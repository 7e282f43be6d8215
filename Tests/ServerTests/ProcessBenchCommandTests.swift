import Foundation
import JSON
import TestSupport
import Testing

/// spark-train eval processbench against a scripted reward model: the metrics ProcessBench defines,
/// computed by hand.
@Suite struct ProcessBenchCommandTests {
    func record(_ problem: String, label: Int) -> String {
        JSONValue.object([
            "id": .string(problem), "generator": .string("test"), "problem": .string(problem),
            "steps": .array((1...4).map { .string("step \($0)") }), "final_answer_correct": .bool(label == -1),
            "label": .int(label),
        ]).serialized
    }

    @Test func accuracyOnErroneousAndCorrectSamplesAndF1() throws {
        let server = RewardRouteTests.server
        let directory = NSTemporaryDirectory() + "processbench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The scripted PRM calls every step of "Right" correct and the last two of "Wrong" incorrect
        // (first error 2); for anything else it writes no verdict.
        let toy = [
            record("Right: 2 + 3", label: -1),  // predicted -1: right
            record("Wrong: 2 + 3", label: 2),  // predicted 2: right
            record("Wrong: 7 - 1", label: 1),  // predicted 2: wrong
            record("Right: 9 + 1", label: 0),  // predicted -1: wrong
            record("Something else", label: -1),  // not judged: wrong
        ]
        try toy.joined(separator: "\n").write(toFile: directory + "/toy.jsonl", atomically: true, encoding: .utf8)
        try ("[" + record("Right: 1 + 1", label: -1) + "]").write(
            toFile: directory + "/second.json", atomically: true, encoding: .utf8)
        let outcome = try CommandRunner.run(
            "spark-train",
            [
                "eval", "processbench", "--data", directory + "/toy.jsonl," + directory + "/second.json", "--server",
                "http://127.0.0.1:\(server.http.port)", "--batch-size", "2", "--json", "--max-tokens", "200",
            ])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let report = try #require(try JSONValue.parse(outcome.output).objectValue)
        let splits = try #require(report["splits"]?.arrayValue).map { $0.objectValue! }
        #expect(splits[0]["split"] == .string("toy"))
        // Erroneous: 1 of 3 right; correct: 1 of 2 right; F1 = 2 · (1/3) · (1/2) / (1/3 + 1/2) = 0.4.
        #expect(abs((splits[0]["erroneous_accuracy"]?.doubleValue ?? 0) - 1.0 / 3.0) < 1e-12)
        #expect(splits[0]["correct_accuracy"] == .double(0.5))
        #expect(abs((splits[0]["f1"]?.doubleValue ?? 0) - 0.4) < 1e-12)
        #expect(splits[0]["unjudged"] == .int(1))
        // The second split has no erroneous sample: accuracy 0 there, so F1 0; the average is 0.2.
        #expect(splits[1]["split"] == .string("second"))
        #expect(splits[1]["f1"] == .double(0))
        #expect(abs((report["average_f1"]?.doubleValue ?? 0) - 0.2) < 1e-12)
    }

    @Test func aBadRecordNamesItsLine() throws {
        let path = NSTemporaryDirectory() + "processbench-bad-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (record("Right: 1", label: -1) + "\n{\"problem\": \"p\", \"steps\": [], \"label\": 0}\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        let outcome = try CommandRunner.run(
            "spark-train", ["eval", "processbench", "--data", path, "--server", "http://127.0.0.1:1"])
        #expect(outcome.status == 1)
        #expect(outcome.errorOutput.contains("record 2 needs 'problem'"), "\(outcome.errorOutput)")
    }
}
