// The recipe's held-out benchmark: fresh problems of the policy's world, solved by the generator and
// labelled by the checker, in ProcessBench format. ProcessBench balances erroneous and correct
// samples; a weak generator writes few correct solutions (and a strong one few wrong ones), so the
// world's own writer adds, after all of the generator's, one gold solution and one with a planted
// error per problem. `ProcessBenchBuilder` keeps the first ones of each kind in input order, so every
// generator solution of the scarcer kind is used before any of the writer's; each record's `generator`
// field says who wrote it, and the report counts both. A solution written again for the same problem
// (the generator repeats its likeliest solution, and it is often the writer's gold one) is kept once, as
// ProcessBench holds distinct solutions: 80 problems gave 99 correct generator records, 25 of them distinct.

import Domain

public enum RecipeBenchmark {
    public static let writerName = "world-writer"

    /// `generated` holds the generator's solutions as (problem index, text).
    public static func build(
        problems: [WorldProblem], generated: [(problemIndex: Int, text: String)], generatorName: String, seed: UInt64
    ) -> Benchmark {
        var solutions = generated.enumerated().map { number, solution in
            ModelSolution(
                id: "\(problems[solution.problemIndex].id)-g\(number)", problem: problems[solution.problemIndex],
                text: solution.text, generator: generatorName)
        }
        var random = WorldRandom(seed: seed)
        for problem in problems {
            solutions.append(
                ModelSolution(
                    id: "\(problem.id)-gold", problem: problem, text: SolutionWriter.solution(of: problem),
                    generator: writerName))
            let kind = random.pick(PlantedError.allCases)
            let step = random.draw(0...(problem.plan.count - 1))
            if let wrong = SolutionCorruptor.solution(of: problem, plantingAt: step, kind: kind, random: &random) {
                solutions.append(
                    ModelSolution(id: "\(problem.id)-planted", problem: problem, text: wrong, generator: writerName))
            }
        }
        var seen = Set<[String]>()
        return ProcessBenchBuilder.build(solutions.filter { seen.insert([$0.problem.id, $0.text]).inserted })
    }

    /// How the generator's solutions fare with the checker: how many are `correct`, how many have no
    /// wrong step but a wrong or missing answer, or no step (`wrong_answer_only`), and for each kind of
    /// step error (`wrong_arithmetic`, `wrong_quantity`, `builds_on_wrong_result`) how many have a step
    /// of that kind. Shows whether the generator errs in every way the checker knows.
    public static func generatorOutcomes(problems: [WorldProblem], generated: [(problemIndex: Int, text: String)])
        -> [String: Int]
    {
        var counts = Dictionary(
            uniqueKeysWithValues: (["correct", "wrong_answer_only"] + StepError.allCases.map(\.rawValue)).map {
                ($0, 0)
            })
        for solution in generated {
            let judgement = StepChecker(problem: problems[solution.problemIndex]).judge(solution.text)
            let kinds = Set(judgement.stepErrors.compactMap(\.self))
            for kind in kinds { counts[kind.rawValue, default: 0] += 1 }
            if kinds.isEmpty {
                let correct = judgement.isFinalAnswerCorrect && !judgement.steps.isEmpty
                counts[correct ? "correct" : "wrong_answer_only", default: 0] += 1
            }
        }
        return counts
    }
}
