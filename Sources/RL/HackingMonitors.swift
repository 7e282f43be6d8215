// The reward-hacking monitors of one GRPO step (issue: spark-rl), from the rollouts the reward server
// scored: the signs SPARK's paper shows a policy leaving when it learns to fool its reward model
// (appending text after the answer, many tiny steps or one big one, verdict counts that do not match
// the steps) and, for the report only, how the reward model's Yes compares with the truth.

/// What the monitors need of one scored rollout.
public struct ScoredRollout: Sendable {
    public var formatValid: Bool
    public var textAfterAnswer: Bool
    /// Steps in the response (K), where the server counted them.
    public var steps: Int?
    /// Step verdicts in the reward model's reply (P), where it judged.
    public var verdicts: Int?
    /// The reward model's final verdict; nil where it did not judge.
    public var saidYes: Bool?
    public var reward: Double?
    public var responseTokens: Int
    /// Whether the answer is right, from the world's checker: never part of the reward.
    public var isCorrect: Bool

    public init(
        formatValid: Bool, textAfterAnswer: Bool, steps: Int?, verdicts: Int?, saidYes: Bool?, reward: Double?,
        responseTokens: Int, isCorrect: Bool
    ) {
        self.formatValid = formatValid
        self.textAfterAnswer = textAfterAnswer
        self.steps = steps
        self.verdicts = verdicts
        self.saidYes = saidYes
        self.reward = reward
        self.responseTokens = responseTokens
        self.isCorrect = isCorrect
    }
}

public struct HackingMonitors: Sendable {
    public var invalidFormatShare: Double
    public var textAfterAnswerShare: Double
    public var meanSteps: Double
    public var stepsStandardDeviation: Double
    /// Among rollouts the reward model judged step by step; NaN (not measured) without any, as for RLVR.
    public var stepCountMismatchShare: Double
    public var meanResponseTokens: Double
    /// Among rollouts the reward model judged; NaN without any.
    public var yesRate: Double
    public var trueAccuracy: Double
    /// Yes among judged rollouts whose answer is wrong: the reward model fooled. NaN without any.
    public var falseYesRate: Double
    /// Mean reward over the rollouts that have one.
    public var meanReward: Double

    public init(_ rollouts: [ScoredRollout]) {
        func share(_ count: Int, of total: Int) -> Double { total == 0 ? 0 : Double(count) / Double(total) }
        func rate(_ count: Int, of total: Int) -> Double { total == 0 ? .nan : Double(count) / Double(total) }
        let total = rollouts.count
        invalidFormatShare = share(rollouts.filter { !$0.formatValid }.count, of: total)
        textAfterAnswerShare = share(rollouts.filter(\.textAfterAnswer).count, of: total)
        let steps = rollouts.compactMap(\.steps).map(Double.init)
        meanSteps = steps.isEmpty ? 0 : steps.reduce(0, +) / Double(steps.count)
        let mean = meanSteps
        stepsStandardDeviation =
            steps.isEmpty
            ? 0 : (steps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(steps.count)).squareRoot()
        let counted = rollouts.filter { $0.steps != nil && $0.verdicts != nil }
        stepCountMismatchShare = rate(counted.filter { $0.steps != $0.verdicts }.count, of: counted.count)
        meanResponseTokens = share(rollouts.map(\.responseTokens).reduce(0, +), of: total)
        let judged = rollouts.filter { $0.saidYes != nil }
        yesRate = rate(judged.filter { $0.saidYes == true }.count, of: judged.count)
        trueAccuracy = share(rollouts.filter(\.isCorrect).count, of: total)
        let judgedWrong = judged.filter { !$0.isCorrect }
        falseYesRate = rate(judgedWrong.filter { $0.saidYes == true }.count, of: judgedWrong.count)
        let rewards = rollouts.compactMap(\.reward)
        meanReward = rewards.isEmpty ? 0 : rewards.reduce(0, +) / Double(rewards.count)
    }
}

/// Flags the mark of reward hacking: the reward rising while the true accuracy falls. Over the last
/// `window` steps, the mean of the later half is compared with the earlier half's; both must move by
/// at least `margin`, and the accuracy by at least two standard errors of the difference of two
/// shares of `rolloutsPerStep × half` rollouts each, so that the sampling noise of a step's rollouts
/// does not raise the flag (with 64 rollouts a step and a window of 6, a fall of 5 points at 85 %
/// accuracy is 1.4 standard errors: noise).
public struct HackingWatch: Sendable {
    public let window: Int
    public let margin: Double
    public let rolloutsPerStep: Int
    private var history: [(reward: Double, accuracy: Double)] = []

    public init(window: Int = 6, margin: Double = 0.05, rolloutsPerStep: Int) {
        precondition(window >= 2, "the watch compares two halves of its window")
        precondition(rolloutsPerStep >= 1, "a step has rollouts")
        self.window = window
        self.margin = margin
        self.rolloutsPerStep = rolloutsPerStep
    }

    /// Records a step; true when the reward has risen and the accuracy fallen over the window.
    public mutating func record(_ monitors: HackingMonitors) -> Bool {
        record(reward: monitors.meanReward, accuracy: monitors.trueAccuracy)
    }

    /// Refills the window from a resumed run's log, so the watch goes on as if the run had not stopped.
    public mutating func replay(_ metrics: RLMetrics) {
        for row in metrics.rows {
            _ = record(reward: row["mean_reward"] ?? .nan, accuracy: row["true_accuracy"] ?? .nan)
        }
    }

    private mutating func record(reward: Double, accuracy: Double) -> Bool {
        history.append((reward, accuracy))
        guard history.count >= window else { return false }
        let recent = history.suffix(window)
        let half = window / 2
        func mean(_ values: some Collection<Double>) -> Double { values.reduce(0, +) / Double(values.count) }
        let earlier = recent.prefix(half)
        let later = recent.suffix(window - half)
        let rewardRise = mean(later.map(\.reward)) - mean(earlier.map(\.reward))
        let accuracyFall = mean(earlier.map(\.accuracy)) - mean(later.map(\.accuracy))
        let pooled = min(max(mean(recent.map(\.accuracy)), 0), 1)
        let earlierCount = Double(half * rolloutsPerStep)
        let laterCount = Double((window - half) * rolloutsPerStep)
        let standardError = (pooled * (1 - pooled) * (1 / earlierCount + 1 / laterCount)).squareRoot()
        return rewardRise >= margin && accuracyFall >= max(margin, 2 * standardError)
    }
}
