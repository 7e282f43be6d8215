// Builds a ProcessBench-format benchmark (Zheng et al., 2024; SPARK-FORMATS.md §4) from solutions a
// model wrote to world problems, labelled by the checker: records `{"id", "generator", "problem",
// "steps", "final_answer_correct", "label"}`, one JSON object per line, which `spark-train eval
// processbench` reads.
//
// Which solutions become records. ProcessBench's correct samples are solutions with no wrong step and
// a correct final answer, its erroneous samples those with a first wrong step; a solution with no wrong
// step but a wrong or missing answer fits neither and is left out, as is one without steps. The two
// kinds are then balanced: as many of each as the scarcer kind has, the first ones in input order.

import JSON

/// A solution to a world problem and who wrote it.
public struct ModelSolution: Sendable {
    public let id: String
    public let problem: WorldProblem
    public let text: String
    /// The model that wrote it (ProcessBench's `generator` field).
    public let generator: String

    public init(id: String, problem: WorldProblem, text: String, generator: String) {
        self.id = id
        self.problem = problem
        self.text = text
        self.generator = generator
    }
}

public struct BenchmarkRecord: Sendable, Equatable {
    public let id: String
    public let generator: String
    public let problem: String
    public let steps: [String]
    public let finalAnswerCorrect: Bool
    /// The 0-based index of the first wrong step, or −1.
    public let label: Int

    public var json: JSONValue {
        .object([
            "id": .string(id), "generator": .string(generator), "problem": .string(problem),
            "steps": .array(steps.map { .string($0) }), "final_answer_correct": .bool(finalAnswerCorrect),
            "label": .int(label),
        ])
    }
}

public struct Benchmark: Sendable, Equatable {
    public let records: [BenchmarkRecord]
    /// Solutions with no wrong step but a wrong or missing answer, or without steps.
    public let unusable: Int
    /// Solutions of the more plentiful kind beyond the balance.
    public let surplus: Int

    /// One record per line.
    public var jsonLines: String { records.map { $0.json.serialized + "\n" }.joined() }
}

public enum ProcessBenchBuilder {
    public static func build(_ solutions: [ModelSolution]) -> Benchmark {
        var erroneous: [Int] = []
        var correct: [Int] = []
        var records: [BenchmarkRecord?] = []
        for solution in solutions {
            let judgement = StepChecker(problem: solution.problem).judge(solution.text)
            let record = BenchmarkRecord(
                id: solution.id, generator: solution.generator, problem: solution.problem.text, steps: judgement.steps,
                finalAnswerCorrect: judgement.isFinalAnswerCorrect, label: judgement.firstError)
            if judgement.steps.isEmpty || (record.label == -1 && !record.finalAnswerCorrect) {
                records.append(nil)
                continue
            }
            if record.label == -1 { correct.append(records.count) } else { erroneous.append(records.count) }
            records.append(record)
        }
        let kept = min(erroneous.count, correct.count)
        let chosen = Set(erroneous.prefix(kept) + correct.prefix(kept))
        return Benchmark(
            records: records.indices.filter(chosen.contains).map { records[$0]! },
            unusable: records.filter { $0 == nil }.count, surplus: erroneous.count + correct.count - 2 * kept)
    }
}
