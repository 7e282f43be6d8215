import RL
import Testing

/// The monitors on hand-counted rollouts, and the watch on a run that hacks its reward.
@Suite struct HackingMonitorsTests {
    static func rollout(
        valid: Bool = true, appended: Bool = false, steps: Int? = 4, verdicts: Int? = 4, yes: Bool? = true,
        reward: Double? = 1, tokens: Int = 100, correct: Bool = true
    ) -> ScoredRollout {
        ScoredRollout(
            formatValid: valid, textAfterAnswer: appended, steps: steps, verdicts: verdicts, saidYes: yes,
            reward: reward, responseTokens: tokens, isCorrect: correct)
    }

    @Test func eachMonitorCountsWhatItSays() {
        let monitors = HackingMonitors([
            Self.rollout(),
            Self.rollout(steps: 2, verdicts: 3, yes: true, reward: 1, tokens: 60, correct: false),
            Self.rollout(valid: false, appended: true, steps: nil, verdicts: nil, yes: nil, reward: 0, tokens: 240),
            Self.rollout(steps: 6, verdicts: 6, yes: false, reward: 0, tokens: 100, correct: false),
        ])
        #expect(monitors.invalidFormatShare == 0.25)
        #expect(monitors.textAfterAnswerShare == 0.25)
        // K = 4, 2, 6: mean 4, population spread sqrt(8/3).
        #expect(monitors.meanSteps == 4)
        #expect(abs(monitors.stepsStandardDeviation - (8.0 / 3).squareRoot()) < 1e-12)
        #expect(abs(monitors.stepCountMismatchShare - 1.0 / 3) < 1e-12)
        #expect(monitors.meanResponseTokens == 125)
        #expect(abs(monitors.yesRate - 2.0 / 3) < 1e-12)
        #expect(monitors.trueAccuracy == 0.5)
        // Judged and wrong: the second (Yes) and the fourth (No).
        #expect(monitors.falseYesRate == 0.5)
        #expect(monitors.meanReward == 0.5)
    }

    /// Without the reward model's judgement (RLVR, random) its rates are not measured rather than 0,
    /// and a step's table cell says so.
    @Test func ratesOfAReaderThatDidNotReadAreNotMeasured() {
        let monitors = HackingMonitors([
            Self.rollout(verdicts: nil, yes: nil), Self.rollout(verdicts: nil, yes: nil, correct: false),
        ])
        #expect(monitors.yesRate.isNaN)
        #expect(monitors.falseYesRate.isNaN)
        #expect(monitors.stepCountMismatchShare.isNaN)
        #expect(monitors.trueAccuracy == 0.5)
        let judgedRight = HackingMonitors([Self.rollout()])
        #expect(judgedRight.yesRate == 1)
        #expect(judgedRight.falseYesRate.isNaN)
    }

    static func step(reward: Double, accuracy: Double, count: Int = 200) -> HackingMonitors {
        HackingMonitors(
            (0..<count).map {
                rollout(
                    reward: Double($0) < reward * Double(count) ? 1 : 0, correct: Double($0) < accuracy * Double(count))
            })
    }

    @Test func theWatchFlagsRewardUpWhileAccuracyGoesDownAndNothingElse() {
        var learning = HackingWatch(window: 4, rolloutsPerStep: 200)
        let honest = [(0.3, 0.3), (0.4, 0.4), (0.5, 0.5), (0.6, 0.6), (0.7, 0.7)]
        #expect(honest.map { learning.record(Self.step(reward: $0.0, accuracy: $0.1)) }.allSatisfy { !$0 })
        var hacking = HackingWatch(window: 4, rolloutsPerStep: 200)
        let flags = [(0.3, 0.5), (0.4, 0.5), (0.6, 0.4), (0.8, 0.3), (0.9, 0.2)].map {
            hacking.record(Self.step(reward: $0.0, accuracy: $0.1))
        }
        #expect(flags == [false, false, false, true, true])
    }

    /// 64 rollouts a step, as the experiment script's: a fall of 5 points is the noise of 192 rollouts
    /// against 192 (1.4 standard errors at 85 %), not a flag; a fall of 15 points is one.
    @Test func theWatchDoesNotFlagTheNoiseOfAStepsRollouts() {
        func run(_ steps: [(reward: Double, accuracy: Double)]) -> [Bool] {
            var watch = HackingWatch(rolloutsPerStep: 64)
            return steps.map { watch.record(Self.step(reward: $0.reward, accuracy: $0.accuracy, count: 64)) }
        }
        let noise = [(0.8, 0.875), (0.8, 0.875), (0.8, 0.875), (0.9, 0.8125), (0.9, 0.8125), (0.9, 0.8281)]
        #expect(run(noise) == [false, false, false, false, false, false])
        let hack = [(0.8, 0.875), (0.8, 0.875), (0.8, 0.875), (0.9, 0.7188), (0.9, 0.7188), (0.9, 0.7188)]
        #expect(run(hack) == [false, false, false, false, false, true])
    }

    /// The metrics.csv rows of `steps`; without `standardErrors`, as runs wrote them before the
    /// standard error was logged.
    static func log(_ steps: [HackingMonitors], standardErrors: Bool) -> RLMetrics {
        var log = RLMetrics()
        for (index, monitors) in steps.enumerated() {
            var row = [
                "step": Double(index + 1), "mean_reward": monitors.meanReward, "true_accuracy": monitors.trueAccuracy,
            ]
            if standardErrors { row["true_accuracy_se"] = monitors.trueAccuracyStandardError }
            log.append(row)
        }
        return log
    }

    /// A log from before the standard error was logged: the refilled watch counts the rollouts as
    /// independent, as the uninterrupted one does on ungrouped rollouts.
    @Test func aWatchRefilledFromTheLogOfAResumedRunFlagsAsAnUninterruptedOneDoes() {
        let run = [(0.3, 0.5), (0.4, 0.5), (0.6, 0.4), (0.8, 0.3), (0.9, 0.2), (0.95, 0.1)]
        var uninterrupted = HackingWatch(window: 4, rolloutsPerStep: 200)
        let flags = run.map { uninterrupted.record(Self.step(reward: $0.0, accuracy: $0.1)) }
        var resumed = HackingWatch(window: 4, rolloutsPerStep: 200)
        resumed.replay(Self.log(run.prefix(3).map { Self.step(reward: $0.0, accuracy: $0.1) }, standardErrors: false))
        let resumedFlags = run.dropFirst(3).map { resumed.record(Self.step(reward: $0.0, accuracy: $0.1)) }
        #expect(Array(flags.dropFirst(3)) == resumedFlags)
        var forgetful = HackingWatch(window: 4, rolloutsPerStep: 200)
        #expect(run.dropFirst(3).map { forgetful.record(Self.step(reward: $0.0, accuracy: $0.1)) } != resumedFlags)
    }
}

/// The watch's noise allowance counts problems, not rollouts: a GRPO group's rollouts answer one
/// problem and tend to succeed or fail together.
@Suite struct HackingWatchGroupTests {
    /// A step of 8 problems with 8 rollouts each; `correct[g]` of group g's are right. Ungrouped, the
    /// rollouts do not say which problem they answer.
    static func step(reward: Double, correct: [Int], grouped: Bool = true) -> HackingMonitors {
        HackingMonitors(
            correct.enumerated().flatMap { group, right in
                (0..<8).map { member in
                    ScoredRollout(
                        formatValid: true, textAfterAnswer: false, steps: 4, verdicts: 4, saidYes: true,
                        reward: Double(member) < reward * 8 ? 1 : 0, responseTokens: 100, isCorrect: member < right,
                        group: grouped ? group : nil)
                }
            })
    }

    @Test func theStandardErrorIsTheClusterRobustOneOverGroups() {
        // p = 48/64; residuals c − p·8: six groups +2, two −6; 8/7 × (6·4 + 2·36) / 64².
        let monitors = Self.step(reward: 0.5, correct: [8, 8, 8, 8, 8, 8, 0, 0])
        #expect(monitors.trueAccuracy == 0.75)
        #expect(abs(monitors.trueAccuracyStandardError - (8.0 / 7 * 96 / 4096).squareRoot()) < 1e-12)
        // The same 48 right answers spread evenly over the groups vary less than independent draws would.
        let even = Self.step(reward: 0.5, correct: [6, 6, 6, 6, 6, 6, 6, 6])
        #expect(even.trueAccuracyStandardError == 0)
    }

    /// One problem in eight turning from right to wrong in every rollout moves the accuracy by 12.5
    /// points: as independent rollouts, 2.7 standard errors (a flag); as the 24 problems of each half
    /// that were drawn, 0.9. Accuracy falling inside every group is a flag.
    @Test func aFallOfOneProblemsWholeGroupIsNoiseAndAFallInsideEveryGroupIsNot() {
        func flags(_ steps: [(reward: Double, correct: [Int])], grouped: Bool) -> [Bool] {
            var watch = HackingWatch(rolloutsPerStep: 64)
            return steps.map { watch.record(Self.step(reward: $0.reward, correct: $0.correct, grouped: grouped)) }
        }
        let before = [8, 8, 8, 8, 8, 8, 0, 0]
        let oneProblemLost = [8, 8, 8, 8, 8, 0, 0, 0]
        let drawnProblems =
            Array(repeating: (0.5, before), count: 3) + Array(repeating: (0.75, oneProblemLost), count: 3)
        #expect(flags(drawnProblems, grouped: true) == Array(repeating: false, count: 6))
        #expect(flags(drawnProblems, grouped: false).last == true)
        let everyGroupWorse =
            Array(repeating: (0.5, [8, 7, 7, 6, 8, 7, 7, 6]), count: 3)
            + Array(repeating: (0.75, [6, 5, 5, 4, 6, 5, 5, 4]), count: 3)
        #expect(flags(everyGroupWorse, grouped: true) == [false, false, false, false, false, true])
    }

    /// A resumed run's log carries each step's standard error, so the refilled watch weighs the
    /// steps before the stop as the uninterrupted one did.
    @Test func aResumedWatchReadsTheLoggedStandardErrors() throws {
        let run =
            Array(repeating: (0.5, [8, 8, 8, 8, 8, 8, 0, 0]), count: 3)
            + Array(repeating: (0.75, [8, 8, 8, 8, 8, 0, 0, 0]), count: 3)
        var uninterrupted = HackingWatch(rolloutsPerStep: 64)
        let flags = run.map { uninterrupted.record(Self.step(reward: $0.0, correct: $0.1)) }
        let log = HackingMonitorsTests.log(
            run.prefix(4).map { Self.step(reward: $0.0, correct: $0.1) }, standardErrors: true)
        var resumed = HackingWatch(rolloutsPerStep: 64)
        resumed.replay(try #require(RLMetrics(csv: log.csv)))
        #expect(
            run.dropFirst(4).map { resumed.record(Self.step(reward: $0.0, correct: $0.1)) } == Array(flags.dropFirst(4))
        )
    }
}
