// `stats.json`: how the run went. Parse failures of the verifications; per method the solutions it
// labelled, the rows it wrote, its ties and vote margins; agreement between methods (on the outcome and
// on the first error, over solutions both labelled); and, for the built-in world, agreement of each
// method with the rule-based checker, which is the ground truth no method saw.

import Domain
import JSON
import Reward

struct StageOneStatistics {
    let json: JSONValue

    init(
        problems: [SynthesisProblem], solutions: [GeneratedSolution], verifications: [[String]],
        labels: [SynthesisMethod: [MethodLabel]], methods: [SynthesisMethod]
    ) {
        var object: JSONObject = [
            "problems": .int(problems.count), "solutions": .int(solutions.count),
            "solutions_without_steps": .int(solutions.filter(\.steps.isEmpty).count),
        ]
        var unparseable = 0
        var withoutSteps = 0
        var mismatched = 0
        for (solution, texts) in zip(solutions, verifications) {
            for text in texts {
                let reply = RewardModelReply(parsing: text, variant: .prmCoT)
                if reply.outcome == nil { unparseable += 1 }
                if reply.stepVerdicts.isEmpty {
                    withoutSteps += 1
                } else if let expected = solution.expectedStepCount, expected != reply.stepVerdicts.count {
                    mismatched += 1
                }
            }
        }
        object["verifications"] = .object([
            "count": .int(verifications.map(\.count).reduce(0, +)), "outcome_unparseable": .int(unparseable),
            "without_step_verdicts": .int(withoutSteps), "step_count_mismatch": .int(mismatched),
        ])
        var perMethod = JSONObject()
        for method in methods {
            perMethod[method.rawValue] = Self.methodFigures(labels[method]!, problems: problems, solutions: solutions)
        }
        object["methods"] = .object(perMethod)
        var agreement = JSONObject()
        for (offset, first) in methods.enumerated() {
            for second in methods[(offset + 1)...] {
                agreement["\(first.rawValue)~\(second.rawValue)"] = Self.agreement(labels[first]!, labels[second]!)
            }
        }
        object["agreement"] = .object(agreement)
        if problems.allSatisfy({ $0.world != nil }) {
            let judgements = solutions.map { StepChecker(problem: problems[$0.problemIndex].world!).judge($0.text) }
            var groundTruth: JSONObject = [
                "correct_solutions": .int(
                    judgements.filter { $0.firstError == -1 && $0.isFinalAnswerCorrect }.count)
            ]
            for method in methods {
                groundTruth[method.rawValue] = Self.groundTruthFigures(labels[method]!, judgements)
            }
            object["ground_truth"] = .object(groundTruth)
        }
        json = .object(object)
    }

    private static func methodFigures(
        _ labels: [MethodLabel], problems: [SynthesisProblem], solutions: [GeneratedSolution]
    ) -> JSONValue {
        let pairs = zip(solutions, labels).map { (problems[$0.problemIndex], $0, $1) }
        func rows(_ make: (SynthesisProblem, GeneratedSolution, MethodLabel) -> JSONValue?) -> JSONValue {
            .int(pairs.filter { make($0.0, $0.1, $0.2) != nil }.count)
        }
        return .object([
            "steps_labelled": .int(labels.filter { $0.stepVerdicts != nil }.count),
            "outcomes_labelled": .int(labels.filter { $0.outcome != nil }.count),
            "orm_rows": rows(TrainingRows.orm), "prm_rows": rows(TrainingRows.prm),
            "prm_cot_rows": rows(TrainingRows.prmCoT), "trl_rows": rows(TrainingRows.trl),
            "outcome_ties": .int(labels.filter(\.isOutcomeTie).count),
            "tied_steps": .int(labels.map(\.tiedSteps).reduce(0, +)),
            "mean_outcome_margin": mean(labels.compactMap(\.outcomeMargin)),
            "mean_step_margin": mean(labels.compactMap(\.stepMargin)),
        ])
    }

    private static func agreement(_ first: [MethodLabel], _ second: [MethodLabel]) -> JSONValue {
        let outcomes = zip(first, second).filter { $0.outcome != nil && $1.outcome != nil }
        let errors = zip(first, second).filter { $0.firstError != nil && $1.firstError != nil }
        return .object([
            "outcome": share(outcomes.filter { $0.outcome == $1.outcome }.count, of: outcomes.count),
            "outcome_solutions": .int(outcomes.count),
            "first_error": share(errors.filter { $0.firstError == $1.firstError }.count, of: errors.count),
            "first_error_solutions": .int(errors.count),
        ])
    }

    private static func groundTruthFigures(_ labels: [MethodLabel], _ judgements: [SolutionJudgement]) -> JSONValue {
        let withErrors = zip(labels, judgements).filter { $0.0.firstError != nil }
        let withOutcomes = zip(labels, judgements).filter { $0.0.outcome != nil }
        let rightOutcomes = withOutcomes.filter { label, truth in
            (label.outcome == .yes) == (truth.firstError == -1 && truth.isFinalAnswerCorrect)
        }
        return .object([
            "first_error_accuracy": share(
                withErrors.filter { $0.0.firstError == $0.1.firstError }.count, of: withErrors.count),
            "outcome_accuracy": share(rightOutcomes.count, of: withOutcomes.count),
        ])
    }

    private static func share(_ part: Int, of whole: Int) -> JSONValue {
        whole == 0 ? .null : .double(Double(part) / Double(whole))
    }

    private static func mean(_ values: [Double]) -> JSONValue {
        values.isEmpty ? .null : .double(values.reduce(0, +) / Double(values.count))
    }
}
