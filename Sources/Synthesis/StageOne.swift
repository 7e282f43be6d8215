// SPARK's Stage I: solutions from a generator, verifications of each from a verifier, and training data
// for ORM, PRM and PRM-CoT under each aggregation method (SPARK-FORMATS.md §2).
//
// Phases, each a set of independent calls: M solutions per problem; N verifications per solution (only
// one when no chosen method needs more) and, for the reference-guided method, N verifications that see
// the expected answer; then a greedy critique of the single verification and of the outcome pick, and a
// greedy merge of each with its critique. Every call goes through the journal, so a restarted run asks
// only for the replies it has not got. Only the reference-guided phase reads a problem's answer.

import Domain
import JSON
import Model
import Reward
import Synchronization

/// A solution the generator wrote.
public struct GeneratedSolution: Sendable, Equatable {
    public let problemIndex: Int
    /// Its number among its problem's solutions.
    public let index: Int
    /// The reply without thinking, as verifiers and training prompts see it.
    public let text: String
    /// Its `Step k:` paragraphs, as `SolutionText` splits them.
    public let steps: [String]

    /// The step count verdicts must have to label this solution's steps; unknown without steps.
    var expectedStepCount: Int? { steps.isEmpty ? nil : steps.count }
}

/// Everything a run produced, as written to the output folder.
public struct StageOneOutcome: Sendable {
    public let solutions: [GeneratedSolution]
    /// Per method, one label per solution, in solution order.
    public let labels: [SynthesisMethod: [MethodLabel]]
    public let statistics: JSONValue
}

public final class StageOne {
    public let configuration: StageOneConfiguration
    private let generator: CompletionBackend
    private let verifier: CompletionBackend
    private let journal: CallJournal
    private let progress: @Sendable (String) -> Void

    /// `progress` hears of each phase and of every tenth of its calls, from any thread.
    public init(
        configuration: StageOneConfiguration, generator: CompletionBackend, verifier: CompletionBackend,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(SynthesisError) {
        self.configuration = try configuration.validated()
        self.generator = generator
        self.verifier = verifier
        self.progress = progress
        do {
            try FileSystem.createDirectory(configuration.outputDirectory)
        } catch {
            throw .file(path: error.file, reason: error.problem)
        }
        journal = try CallJournal(path: configuration.outputDirectory + "/calls.jsonl")
    }

    public func run(_ problems: [SynthesisProblem]) throws(SynthesisError) -> StageOneOutcome {
        let methods = Set(configuration.methods)
        let solutions = try generateSolutions(problems)
        let verificationCount =
            methods.contains(where: \.needsAllVerifications)
            ? configuration.verificationsPerSolution : methods.isSubset(of: [.reference]) ? 0 : 1
        let verifications = try verify(solutions, of: problems, count: verificationCount, withAnswer: false)
        let references =
            methods.contains(.reference)
            ? try verify(solutions, of: problems, count: configuration.verificationsPerSolution, withAnswer: true)
            : []
        var log = VerificationLog()
        log.add(verifications, kind: "verification", solutions: solutions, problems: problems)
        log.add(references, kind: "reference", solutions: solutions, problems: problems)

        var labels: [SynthesisMethod: [MethodLabel]] = [:]
        let outcomeVotes = zip(solutions, verifications).map { solution, texts in
            MethodLabel.outcomeVote(texts, expectedStepCount: solution.expectedStepCount)
        }
        for method in configuration.methods {
            switch method {
            case .single:
                labels[method] = zip(solutions, verifications).map { solution, texts in
                    MethodLabel.single(texts[0], expectedStepCount: solution.expectedStepCount)
                }
            case .outcome:
                labels[method] = outcomeVotes.map(\.0)
            case .step:
                labels[method] = zip(solutions, verifications).map { solution, texts in
                    MethodLabel.stepVote(texts, expectedStepCount: solution.expectedStepCount)
                }
            case .reference:
                labels[method] = zip(solutions, references).map { solution, texts in
                    texts.isEmpty ? .none : MethodLabel.stepVote(texts, expectedStepCount: solution.expectedStepCount)
                }
            case .critique, .critiqueOutcome:
                let sources: [String?] = verifications.indices.map { index in
                    method == .critique
                        ? verifications[index].first : outcomeVotes[index].pick.map { verifications[index][$0] }
                }
                let merged = try critiqueAndMerge(sources, method: method, solutions: solutions, problems: problems)
                log.add(merged, method: method, solutions: solutions, problems: problems)
                labels[method] = zip(solutions, merged).map { solution, pair in
                    pair.map { MethodLabel.single($0.merged, expectedStepCount: solution.expectedStepCount) } ?? .none
                }
            }
        }
        let statistics = StageOneStatistics(
            problems: problems, solutions: solutions, verifications: verifications, labels: labels,
            methods: configuration.methods)
        try write(problems: problems, solutions: solutions, labels: labels, log: log, statistics: statistics.json)
        return StageOneOutcome(solutions: solutions, labels: labels, statistics: statistics.json)
    }

    // MARK: - Phases

    private func generateSolutions(_ problems: [SynthesisProblem]) throws(SynthesisError) -> [GeneratedSolution] {
        let places = problems.indices.flatMap { problem in
            (0..<configuration.solutionsPerProblem).map { (problem: problem, index: $0) }
        }
        let texts = try replies(
            places.map { place in
                call(
                    StageOnePrompts.generator(problem: problems[place.problem].text), configuration.generatorSampling,
                    place: "generate/\(place.problem)/\(place.index)")
            }, backend: generator, phase: "solutions")
        return zip(places, texts).map { place, reply in
            let text = ReplyText.visible(reply)
            return GeneratedSolution(
                problemIndex: place.problem, index: place.index, text: text, steps: SolutionText(parsing: text).steps)
        }
    }

    /// `count` verifications of every solution; with `withAnswer`, reference-guided ones, and none for a
    /// problem without an answer.
    private func verify(
        _ solutions: [GeneratedSolution], of problems: [SynthesisProblem], count: Int, withAnswer: Bool
    ) throws(SynthesisError) -> [[String]] {
        let kind = withAnswer ? "reference" : "verify"
        var calls: [ModelCall] = []
        var counts: [Int] = []
        for solution in solutions {
            let problem = problems[solution.problemIndex]
            let answer = withAnswer ? problem.answer : nil
            let wanted = withAnswer && answer == nil ? 0 : count
            counts.append(wanted)
            let prompt = StageOnePrompts.verifier(
                problem: problem.text, solution: solution.text, expectedAnswer: answer)
            for index in 0..<wanted {
                calls.append(
                    call(
                        prompt, configuration.verifierSampling,
                        place: "\(kind)/\(solution.problemIndex)/\(solution.index)/\(index)"))
            }
        }
        let texts = try replies(
            calls, backend: verifier, phase: withAnswer ? "reference verifications" : "verifications")
        var start = 0
        return counts.map { count in
            defer { start += count }
            return Array(texts[start..<(start + count)])
        }
    }

    /// For each solution with a source verification: its critique and the merge of the two.
    private func critiqueAndMerge(
        _ sources: [String?], method: SynthesisMethod, solutions: [GeneratedSolution], problems: [SynthesisProblem]
    ) throws(SynthesisError) -> [(critique: String, merged: String)?] {
        let present = sources.indices.filter { sources[$0] != nil }
        func place(_ step: String, _ index: Int) -> String {
            "\(step)/\(method.rawValue)/\(solutions[index].problemIndex)/\(solutions[index].index)"
        }
        let critiques = try replies(
            present.map { index in
                call(
                    StageOnePrompts.critique(
                        problem: problems[solutions[index].problemIndex].text, solution: solutions[index].text,
                        verification: ReplyText.visible(sources[index]!)),
                    configuration.critiqueSampling, place: place("critique", index))
            }, backend: verifier, phase: "\(method.rawValue) critiques")
        let merges = try replies(
            zip(present, critiques).map { index, critique in
                call(
                    StageOnePrompts.merge(
                        problem: problems[solutions[index].problemIndex].text, solution: solutions[index].text,
                        verification: ReplyText.visible(sources[index]!),
                        critique: ReplyText.visible(critique)),
                    configuration.critiqueSampling, place: place("merge", index))
            }, backend: verifier, phase: "\(method.rawValue) merges")
        var result: [(critique: String, merged: String)?] = Array(repeating: nil, count: sources.count)
        for (offset, index) in present.enumerated() { result[index] = (critiques[offset], merges[offset]) }
        return result
    }

    // MARK: - Calls through the journal

    private func call(_ prompt: String, _ sampling: Sampling, place: String) -> ModelCall {
        ModelCall(
            prompt: prompt, temperature: sampling.temperature, topP: sampling.topP, maxTokens: sampling.maxTokens,
            seed: ModelCall.seed(run: configuration.seed, place: place))
    }

    /// The replies to `calls`, from the journal where it has them and from `backend` for the rest.
    private func replies(_ calls: [ModelCall], backend: CompletionBackend, phase: String) throws(SynthesisError)
        -> [String]
    {
        let fingerprints = calls.map { $0.fingerprint(model: backend.identity) }
        let missing = fingerprints.indices.filter { journal.reply(fingerprints[$0]) == nil }
        progress("\(phase): \(calls.count) calls, \(calls.count - missing.count) already answered")
        if !missing.isEmpty {
            let (journal, progress) = (journal, progress)
            let failure = Mutex<SynthesisError?>(nil)
            let answered = Atomic<Int>(0)
            let tenth = max(1, missing.count / 10)
            try backend.complete(missing.map { calls[$0] }) { offset, reply in
                do throws(SynthesisError) {
                    try journal.record(fingerprints[missing[offset]], reply: reply)
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
                let count = answered.add(1, ordering: .relaxed).newValue
                if count % tenth == 0 { progress("\(phase): \(count) of \(missing.count) asked calls answered") }
            }
            if let error = failure.withLock({ $0 }) { throw error }
        }
        return fingerprints.map { journal.reply($0)! }
    }
}
