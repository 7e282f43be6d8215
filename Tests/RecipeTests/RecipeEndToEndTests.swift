// `spark-train recipe --quick` run as a user runs it: every phase from nothing to the report, a second
// run that skips every phase, and a run whose Stage I output is already there (rows written from the
// checker's labels, since the quick mode's tiny verifier writes no parseable verification) that trains
// and evaluates the reward models of those rows. Plumbing only: the quick models are too small to judge.

import Domain
import Foundation
import JSON
import Recipe
import Reward
import TestSupport
import Testing

@Suite(.serialized) struct RecipeEndToEndTests {
    func temporaryDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "spark-recipe-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    func run(_ directory: String) throws -> CommandRunner.Outcome {
        let outcome = try CommandRunner.run("spark-train", ["recipe", "--quick", "--out", directory])
        #expect(outcome.status == 0, "\(outcome.errorOutput.suffix(2000))")
        return outcome
    }

    @Test func everyPhaseRunsFromNothingAndIsSkippedTheSecondTime() throws {
        let directory = try temporaryDirectory("fresh")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try run(directory)
        for file in [
            "tokenizer/tokenizer.json", "base/model.safetensors", "generator/model.safetensors",
            "verifier/model.safetensors", "stage1/stats.json", "benchmark/benchmark.jsonl",
            "eval/verifier/report.json", "report.md", "report.svg",
        ] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "\(file)")
        }
        // GPT-2's split (a number with its leading space) and no token of two digits: ` 63` is ` 6`, `3`.
        let tokenizer = try #require(
            try JSONValue.parse(String(contentsOfFile: directory + "/tokenizer/tokenizer.json", encoding: .utf8))
                .objectValue)
        let split = tokenizer["pre_tokenizer"]?.objectValue?["pretokenizers"]?.arrayValue?.first?.objectValue
        #expect(split?["pattern"]?.objectValue?["Regex"]?.stringValue?.contains(#"| ?\p{N}+|"#) == true)
        let vocabulary = tokenizer["model"]?.objectValue?["vocab"]?.objectValue?.pairs.map(\.key) ?? []
        #expect(vocabulary.count == 300)
        #expect(!vocabulary.contains { token in token.filter { ("0"..."9").contains($0) }.count > 1 })
        let report = try String(contentsOfFile: directory + "/report.md", encoding: .utf8)
        #expect(report.split(separator: "\n").filter { $0.hasPrefix("| ") }.count == 1 + 18)
        #expect(
            report.contains(
                "The generator's solutions to the benchmark's problems, by the checker: builds_on_wrong_result"))
        let records = report.split(separator: "\n").first { $0.hasPrefix("Held-out benchmark: ") }?
            .split(separator: " ")[2]
        #expect(
            report.contains(
                "The verifier itself, one greedy verification per benchmark record through Stage I's prompt:"))
        #expect(
            report.contains(" of \(records ?? "?"); the first wrong step quoted as written in "),
            "the verifier was asked about every record")
        let times = try String(contentsOfFile: directory + "/phase-times.tsv", encoding: .utf8)
        #expect(
            times.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }.prefix(11) == [
                "corpus", "tokenizer", "base", "copying-base", "drilled-base", "reader", "generator", "verifier",
                "stage1", "benchmark",
                "eval/verifier",
            ])

        let again = try run(directory)
        #expect(again.errorOutput.contains("recipe: verifier is done, skipped"))
        #expect(!again.errorOutput.contains("recipe: base\n"))
        #expect(try String(contentsOfFile: directory + "/report.md", encoding: .utf8) == report)
    }

    @Test func rewardModelsAreTrainedAndEvaluatedOnTheStageOneRowsFound() throws {
        let directory = try temporaryDirectory("seeded")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stage = directory + "/stage1/step"
        try FileManager.default.createDirectory(atPath: stage, withIntermediateDirectories: true)
        let problems = try ProblemGenerator(settings: RecipeWorlds.policy).problems(count: 6, seed: 42)
        var random = WorldRandom(seed: 4)
        var rows: [RewardModelVariant: [String]] = [:]
        for problem in problems {
            let planted = SolutionCorruptor.solution(of: problem, plantingAt: 0, kind: .arithmetic, random: &random)
            for solution in [SolutionWriter.solution(of: problem), planted].compactMap(\.self) {
                let judgement = StepChecker(problem: problem).judge(solution)
                let yes = judgement.firstError == -1 ? "Yes" : "No"
                let prmLines = judgement.stepCorrectness.enumerated().map {
                    "Step \($0.offset + 1): \($0.element ? "Correct" : "Incorrect")"
                }
                let completions: [RewardModelVariant: String] = [
                    .orm: yes,
                    .prm: (prmLines + ["Verification: Is the answer correct (Yes/No)? \(yes)"]).joined(separator: "\n"),
                    .prmCoT: VerificationWriter.verification(of: judgement, for: problem),
                ]
                for (variant, completion) in completions {
                    let row = SFTRow(
                        prompt: variant.prompt(problem: problem.text, solution: solution), completion: completion)
                    rows[variant, default: []].append(row.jsonLine)
                }
            }
        }
        for (variant, lines) in rows {
            try (lines.joined(separator: "\n") + "\n").write(
                toFile: "\(stage)/\(variant.rawValue).jsonl", atomically: true, encoding: .utf8)
        }
        _ = try run(directory)
        for variant in ["orm", "prm", "prm_cot"] {
            #expect(
                FileManager.default.fileExists(atPath: "\(directory)/reward-models/step/\(variant)/model.safetensors"))
            #expect(FileManager.default.fileExists(atPath: "\(directory)/eval/step-\(variant)/report.json"))
        }
        let report = try String(contentsOfFile: directory + "/report.md", encoding: .utf8)
        #expect(report.contains("| step | prm_cot | \(rows[.prmCoT]!.count) |"))
        #expect(!report.contains("| step | prm_cot | \(rows[.prmCoT]!.count) | no data"))
        #expect(report.contains("| single | prm_cot | 0 | no data |"))
        let card = try String(contentsOfFile: directory + "/spark-prm-cot/README.md", encoding: .utf8)
        #expect(card.contains("on the `step` method's PRM-CoT\ndata"))
        #expect(FileManager.default.fileExists(atPath: directory + "/spark-prm-cot/model.safetensors"))
        let shippedConfig = try JSONValue.parse(
            Array(FileManager.default.contents(atPath: directory + "/spark-prm-cot/config.json")!)
        ).objectValue
        #expect(shippedConfig?["max_position_embeddings"]?.intValue == RecipeScale.servedPositions)
    }
}
