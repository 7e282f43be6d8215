import Domain
import Testing

@Suite struct ProblemGeneratorTests {
    @Test func aSeedNamesTheSameProblemsWhateverTheCount() throws {
        let generator = try ProblemGenerator()
        let first = generator.problems(count: 20, seed: 7)
        #expect(first == generator.problems(count: 20, seed: 7))
        #expect(Array(first.prefix(5)) == generator.problems(count: 5, seed: 7))
        #expect(first.map(\.text) != generator.problems(count: 20, seed: 8).map(\.text))
    }

    /// A fixed seed's first problem, written out: a change to the generator that moves it is deliberate.
    @Test func theFirstProblemOfSeedOneIsPinned() throws {
        let problem = try ProblemGenerator().problem(index: 0, seed: 1)
        #expect(problem.id == "world-1-0")
        #expect(problem.text == Self.pinnedText, "\(problem.text)")
        #expect(SolutionWriter.solution(of: problem) == Self.pinnedSolution, "\(SolutionWriter.solution(of: problem))")
    }

    static let pinnedText =
        "Ines has 59 eggs. Then the number of eggs she has becomes 10 times as large. She uses 7 cartons with 5 eggs in each. She splits the eggs into 3 equal groups and keeps one group. How many eggs does Ines have now?"
    static let pinnedSolution = """
        Step 1: The eggs become 10 times as many, so Ines has 59 × 10 = 590 eggs.
        Step 2: 7 cartons with 5 eggs each hold 7 × 5 = 35 eggs.
        Step 3: Taking away the eggs in the cartons, Ines has 590 - 35 = 555 eggs.
        Step 4: Ines splits the eggs into 3 equal groups and keeps one, so she has 555 ÷ 3 = 185 eggs.
        Answer: 185
        """

    @Test func problemsKeepToTheirSettings() throws {
        var settings = WorldSettings()
        settings.stepCounts = 3...4
        settings.operations = [.add, .multiply]
        settings.themes = ["farm"]
        let problems = try ProblemGenerator(settings: settings).problems(count: 200, seed: 3)
        for problem in problems {
            #expect((3...4).contains(problem.plan.count))
            #expect(problem.plan.allSatisfy { [.add, .multiply].contains($0.operation) })
            #expect(problem.theme == "farm" && problem.text.contains("eggs"))
            #expect(problem.plan.allSatisfy { $0.value >= 1 })
            // Every stated number appears in the text, in order.
            let stated = StepArithmetic(parsing: problem.text).mentionedNumbers
            #expect(stated == problem.givens.map(Double.init), "\(problem.text)")
        }
    }

    @Test func noTotalOrGroupGoesAboveTheValueLimitAndEveryStoryKeepsItsLength() throws {
        var settings = WorldSettings()
        settings.valueLimit = 99
        settings.startRange = 10...40
        settings.operandRange = 2...9
        settings.stepCounts = 5...5
        settings.operations = [.add, .multiply]
        for problem in try ProblemGenerator(settings: settings).problems(count: 300, seed: 8) {
            #expect(problem.plan.count == 5)
            #expect(problem.plan.allSatisfy { $0.value <= 99 }, "\(problem.text)")
        }
        settings.startRange = 10...12
        settings.stepCounts = 12...12
        settings.valueLimit = 30
        #expect(
            throws: WorldSettingsError.invalid(
                "the value limit 30 leaves no room for 12 gains of 2 after a start of 12")
        ) {
            try ProblemGenerator(settings: settings)
        }
    }

    @Test func everyOperationAndThemeOccursAndValuesStayPositiveIntegers() throws {
        let problems = try ProblemGenerator().problems(count: 300, seed: 11)
        let operations = Set(problems.flatMap { $0.plan.map(\.operation) })
        #expect(operations == Set(ArithmeticOperation.allCases))
        #expect(Set(problems.map(\.theme)) == Set(StoryTheme.all.map(\.name)))
        #expect(Set(problems.map(\.plan.count)) == Set(2...6))
        for problem in problems {
            for step in problem.plan {
                let exact = step.operation.apply(
                    Double(problem.value(of: step.left)), Double(problem.value(of: step.right)))
                #expect(exact == Double(step.value) && step.value >= 1 && step.value <= 2000)
            }
        }
    }

    @Test func theWrittenSolutionOfEveryProblemIsJudgedCorrect() throws {
        for problem in try ProblemGenerator().problems(count: 300, seed: 5) {
            let judgement = StepChecker(problem: problem).judge(SolutionWriter.solution(of: problem))
            #expect(judgement.firstError == -1 && judgement.isFinalAnswerCorrect, "\(problem.text)")
            #expect(judgement.steps.count == problem.plan.count)
        }
    }

    @Test func settingsThatCouldMeetADeadEndAreRefused() {
        var settings = WorldSettings()
        settings.operations = [.multiply, .divide]
        #expect(throws: WorldSettingsError.invalid("operations must include add")) {
            try ProblemGenerator(settings: settings)
        }
        settings = WorldSettings()
        settings.themes = ["space"]
        #expect(throws: WorldSettingsError.self) { try ProblemGenerator(settings: settings) }
        settings = WorldSettings()
        settings.operandRange = 1...5
        #expect(throws: WorldSettingsError.invalid("operands must be 2 or more")) {
            try ProblemGenerator(settings: settings)
        }
    }
}
