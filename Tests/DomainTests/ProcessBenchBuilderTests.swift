import Domain
import Foundation
import JSON
import TestSupport
import Testing

@Suite struct ProcessBenchBuilderTests {
    let problem = StepCheckerTests.problem

    func solution(_ id: String, _ text: String) -> ModelSolution {
        ModelSolution(id: id, problem: problem, text: text, generator: "toy")
    }

    var solutions: [ModelSolution] {
        [
            solution("wrong-1", "Step 1: 3 × 4 = 12.\nStep 2: 20 + 12 = 30.\nStep 3: 30 - 5 = 25.\nAnswer: 25"),
            solution("right-1", "Step 1: 3 × 4 = 12.\nStep 2: 20 + 12 = 32.\nStep 3: 32 - 5 = 27.\nAnswer: 27"),
            solution("wrong-2", "Step 1: 3 × 5 = 15.\nStep 2: 20 + 15 = 35.\nAnswer: 35"),
            // No wrong step, wrong answer: neither kind.
            solution("unusable", "Step 1: 3 × 4 = 12.\nStep 2: 20 + 12 = 32.\nAnswer: 32"),
            solution("wrong-3", "Step 1: 3 × 4 = 12.\nStep 2: 20 + 12 = 32.\nStep 3: 32 - 5 = 28.\nAnswer: 28"),
            solution("right-2", "Step 1: 20 + 3 × 4 = 32.\nStep 2: 32 - 5 = 27.\nAnswer: 27"),
        ]
    }

    @Test func balancedRecordsInInputOrder() {
        let benchmark = ProcessBenchBuilder.build(solutions)
        #expect(benchmark.records.map(\.id) == ["wrong-1", "right-1", "wrong-2", "right-2"])
        #expect(benchmark.records.map(\.label) == [1, -1, 0, -1])
        #expect(benchmark.records.map(\.finalAnswerCorrect) == [false, true, false, true])
        #expect(benchmark.unusable == 1 && benchmark.surplus == 1)
        #expect(benchmark.records[0].steps == ["3 × 4 = 12.", "20 + 12 = 30.", "30 - 5 = 25."])
        #expect(benchmark.records[0].problem == problem.text)
    }

    @Test func recordsHaveProcessBenchsFieldsAndTypes() throws {
        let lines = ProcessBenchBuilder.build(solutions).jsonLines.split(separator: "\n")
        #expect(lines.count == 4)
        let first = try #require(try JSONValue.parse(Array(lines[0].utf8)).objectValue)
        #expect(first.keys == ["id", "generator", "problem", "steps", "final_answer_correct", "label"])
        #expect(first["generator"] == .string("toy") && first["label"] == .int(1))
        #expect(first["final_answer_correct"] == .bool(false))
    }

    /// The file loads in `spark-train eval processbench`: it gets as far as connecting to the server.
    @Test func sparkTrainEvalProcessBenchReadsTheFile() throws {
        let path = NSTemporaryDirectory() + "world-bench-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ProcessBenchBuilder.build(solutions).jsonLines.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try CommandRunner.run(
            "spark-train", ["eval", "processbench", "--data", path, "--server", "http://127.0.0.1:1"])
        #expect(outcome.status == 1)
        #expect(outcome.errorOutput.contains("cannot connect"), "\(outcome.errorOutput)")
    }
}
