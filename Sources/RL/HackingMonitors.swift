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
    /// The GRPO group (the problem) the rollout answers; nil counts it as a sample of its own.
    public var group: Int?

    public init(
        formatValid: Bool, textAfterAnswer: Bool, steps: Int?, verdicts: Int?, saidYes: Bool?, reward: Double?,
        responseTokens: Int, isCorrect: Bool, group: Int? = nil
    ) {
        self.formatValid = formatValid
        self.textAfterAnswer = textAfterAnswer
        self.steps = steps
        self.verdicts = verdicts
        self.saidYes = saidYes
        self.reward = reward
        self.responseTokens = responseTokens
        self.isCorrect = isCorrect
        self.group = group
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
    /// The standard error of `trueAccuracy`, the problems drawn being the sample rather than the
    /// rollouts: a group's rollouts answer one problem and succeed or fail together far more often
    /// than independent draws (the cluster-robust variance of a mean, groups as clusters). With fewer
    /// than two groups, the rollouts count as independent. NaN without rollouts.
    public var trueAccuracyStandardError: Double
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
        trueAccuracyStandardError = Self.clusteredStandardError(rollouts, mean: trueAccuracy)
        let judgedWrong = judged.filter { !$0.isCorrect }
        falseYesRate = rate(judgedWrong.filter { $0.saidYes == true }.count, of: judgedWrong.count)
        let rewards = rollouts.compactMap(\.reward)
        meanReward = rewards.isEmpty ? 0 : rewards.reduce(0, +) / Double(rewards.count)
    }

    private static func clusteredStandardError(_ rollouts: [ScoredRollout], mean: Double) -> Double {
        var clusters: [Int: (count: Int, correct: Int)] = [:]
        for (index, rollout) in rollouts.enumerated() {
            // Negative keys never meet a group's index.
            let key = rollout.group ?? -1 - index
            clusters[key, default: (0, 0)].count += 1
            if rollout.isCorrect { clusters[key, default: (0, 0)].correct += 1 }
        }
        let total = Double(rollouts.count)
        guard clusters.count >= 2 else {
            return rollouts.isEmpty ? .nan : (mean * (1 - mean) / total).squareRoot()
        }
        let scatter = clusters.values.reduce(0.0) { sum, cluster in
            let residual = Double(cluster.correct) - mean * Double(cluster.count)
            return sum + residual * residual
        }
        let clusterCount = Double(clusters.count)
        return (clusterCount / (clusterCount - 1) * scatter / (total * total)).squareRoot()
    }
}

/// Flags the mark of reward hacking: the reward rising while the true accuracy falls. Over the last
/// `window` steps, the mean of the later half is compared with the earlier half's; both must move by
/// at least `margin`, and the accuracy by at least two standard errors of that difference (from each
/// step's `trueAccuracyStandardError`), so that the sampling noise of a step's problems and rollouts
/// does not raise the flag (with 64 independent rollouts a step and a window of 6, a fall of 5 points
/// at 85 % accuracy is 1.4 standard errors: noise; with 8 problems of 8 rollouts that all agree, so
/// is a fall of 20 points at 80 %). A resumed run's log from before the standard error was logged
/// counts its steps' `rolloutsPerStep` rollouts as independent.
public struct HackingWatch: Sendable {
    public let window: Int
    public let margin: Double
    public let rolloutsPerStep: Int
    private var history: [(reward: Double, accuracy: Double, standardError: Double)] = []

    public init(window: Int = 6, margin: Double = 0.05, rolloutsPerStep: Int) {
        precondition(window >= 2, "the watch compares two halves of its window")
        precondition(rolloutsPerStep >= 1, "a step has rollouts")
        self.window = window
        self.margin = margin
        self.rolloutsPerStep = rolloutsPerStep
    }

    /// Records a step; true when the reward has risen and the accuracy fallen over the window.
    public mutating func record(_ monitors: HackingMonitors) -> Bool {
        record(
            reward: monitors.meanReward, accuracy: monitors.trueAccuracy,
            standardError: monitors.trueAccuracyStandardError)
    }

    /// Refills the window from a resumed run's log, so the watch goes on as if the run had not stopped.
    public mutating func replay(_ metrics: RLMetrics) {
        for row in metrics.rows {
            let accuracy = row["true_accuracy"] ?? .nan
            let independent = (accuracy * (1 - accuracy) / Double(rolloutsPerStep)).squareRoot()
            _ = record(
                reward: row["mean_reward"] ?? .nan, accuracy: accuracy,
                standardError: row["true_accuracy_se"] ?? independent)
        }
    }

    private mutating func record(reward: Double, accuracy: Double, standardError: Double) -> Bool {
        history.append((reward, accuracy, standardError))
        guard history.count >= window else { return false }
        let recent = history.suffix(window)
        let half = window / 2
        func mean(_ values: some Collection<Double>) -> Double { values.reduce(0, +) / Double(values.count) }
        let earlier = recent.prefix(half)
        let later = recent.suffix(window - half)
        let rewardRise = mean(later.map(\.reward)) - mean(earlier.map(\.reward))
        let accuracyFall = mean(earlier.map(\.accuracy)) - mean(later.map(\.accuracy))
        // The variance of a mean of independent steps' accuracies: their variances over the count squared.
        func varianceOfMean(_ steps: some Collection<(reward: Double, accuracy: Double, standardError: Double)>)
            -> Double
        { steps.reduce(0) { $0 + $1.standardError * $1.standardError } / Double(steps.count * steps.count) }
        let standardError = (varianceOfMean(earlier) + varianceOfMean(later)).squareRoot()
        return rewardRise >= margin && accuracyFall >= max(margin, 2 * standardError)
    }
}
