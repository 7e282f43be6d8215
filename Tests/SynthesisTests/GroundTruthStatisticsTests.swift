import Domain
import Foundation
import JSON
import Synthesis
import Testing

/// On world problems the stats compare every method with the rule-based checker: a verifier that
/// writes exactly the checker's labels scores 1 on both figures.
@Suite struct GroundTruthStatisticsTests {
    @Test func aVerifierThatAgreesWithTheCheckerScoresOne() throws {
        let worlds = try ProblemGenerator().problems(count: 2, seed: 9)
        var replies: [UInt64: String] = [:]
        var correct = 0
        for (problemIndex, world) in worlds.enumerated() {
            let right = SolutionWriter.solution(of: world)
            // The same solution with the result of its first step one too large, and the answer kept.
            var lines = right.split(separator: "\n").map(String.init)
            lines[0] = lines[0].replacingOccurrences(
                of: "= \(world.plan[0].value) ", with: "= \(world.plan[0].value + 1) ")
            for (index, solution) in [right, lines.joined(separator: "\n")].enumerated() {
                let judgement = StepChecker(problem: world).judge(solution)
                if judgement.firstError == -1 && judgement.isFinalAnswerCorrect { correct += 1 }
                let marks = String(judgement.stepErrors.map { $0 == nil ? "C" : "I" })
                let verdict = judgement.firstError == -1 && judgement.isFinalAnswerCorrect ? "Yes" : "No"
                replies[ModelCall.seed(run: 0, place: "generate/\(problemIndex)/\(index)")] = solution
                for verification in 0..<2 {
                    replies[ModelCall.seed(run: 0, place: "verify/\(problemIndex)/\(index)/\(verification)")] =
                        AggregationScenario.verification(marks, verdict)
                }
            }
        }
        #expect(correct == 2)
        let endpoint = try ScriptedEndpoint(replies: replies)
        let directory = AggregationTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = StageOneConfiguration(outputDirectory: directory)
        configuration.solutionsPerProblem = 2
        configuration.verificationsPerSolution = 2
        configuration.methods = [.single, .step]
        let backend = try EndpointBackend(url: endpoint.url, model: "scripted")
        let outcome = try StageOne(configuration: configuration, generator: backend, verifier: backend)
            .run(worlds.map(SynthesisProblem.init(world:)))
        #expect(outcome.labels[.step]!.map(\.firstError) == [-1, 0, -1, 0])
        let truth = try #require(outcome.statistics.objectValue?["ground_truth"]?.objectValue)
        #expect(truth["correct_solutions"] == .int(2))
        for method in ["single", "step"] {
            let figures = try #require(truth[method]?.objectValue)
            #expect(figures["first_error_accuracy"] == .double(1) && figures["outcome_accuracy"] == .double(1))
        }
    }
}
