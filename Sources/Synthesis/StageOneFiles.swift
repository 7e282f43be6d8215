// Writes a run's output folder: `solutions.jsonl`, `verifications.jsonl`, `stats.json`, and per method
// `<method>/orm.jsonl`, `prm.jsonl`, `prm_cot.jsonl`, `trl.jsonl`, `labels.jsonl`. Each file is written
// whole under a temporary name and renamed into place, so a killed run never leaves half a file; the
// journal (`calls.jsonl`) is what a restart continues from.

import JSON
import Model
import Reward

extension StageOne {
    func write(
        problems: [SynthesisProblem], solutions: [GeneratedSolution], labels: [SynthesisMethod: [MethodLabel]],
        log: VerificationLog, statistics: JSONValue
    ) throws(SynthesisError) {
        let directory = configuration.outputDirectory
        try Self.writeLines(
            directory + "/solutions.jsonl",
            solutions.map { solution in
                let problem = problems[solution.problemIndex]
                return .object([
                    "problem_id": .string(problem.id), "solution_index": .int(solution.index),
                    "problem": .string(problem.text), "solution": .string(solution.text),
                    "steps": .array(solution.steps.map { .string($0) }),
                ])
            })
        try Self.writeLines(directory + "/verifications.jsonl", log.lines)
        for method in configuration.methods {
            let folder = directory + "/" + method.rawValue
            do {
                try FileSystem.createDirectory(folder)
            } catch {
                throw .file(path: error.file, reason: error.problem)
            }
            let rows = zip(solutions, labels[method]!).map { (problems[$0.problemIndex], shownToRewardModels($0), $1) }
            let files: [(String, (SynthesisProblem, GeneratedSolution, MethodLabel) -> JSONValue?)] = [
                ("orm", TrainingRows.orm), ("prm", TrainingRows.prm), ("prm_cot", TrainingRows.prmCoT),
                ("trl", TrainingRows.trl), ("labels", TrainingRows.label),
            ]
            for (name, make) in files {
                try Self.writeLines(folder + "/\(name).jsonl", rows.compactMap { make($0.0, $0.1, $0.2) })
            }
        }
        try Self.write(directory + "/stats.json", statistics.serialized + "\n")
    }

    /// The solution as the reward models' rows show it (`StageOneConfiguration.stepListRows`).
    private func shownToRewardModels(_ solution: GeneratedSolution) -> GeneratedSolution {
        guard configuration.stepListRows, (solution.problemIndex + solution.index) % 2 == 1, !solution.steps.isEmpty
        else { return solution }
        return GeneratedSolution(
            problemIndex: solution.problemIndex, index: solution.index, text: RewardModelInput.stepList(solution.steps),
            steps: solution.steps)
    }

    private static func writeLines(_ path: String, _ lines: [JSONValue]) throws(SynthesisError) {
        try write(path, lines.map { $0.serialized + "\n" }.joined())
    }

    private static func write(_ path: String, _ text: String) throws(SynthesisError) {
        do {
            let file = try AtomicFile(path: path)
            try file.write(text)
            try file.commit()
        } catch {
            throw .file(path: error.file, reason: error.problem)
        }
    }
}
