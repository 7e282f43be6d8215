import Reward
import Testing

/// GRPO and Tango advantages on small groups, with the arithmetic written out.
@Suite struct GroupAdvantagesTests {
    let epsilon = 1e-6

    func close(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-12) -> Bool {
        actual.count == expected.count && zip(actual, expected).allSatisfy { abs($0 - $1) <= tolerance }
    }

    // MARK: - GRPO

    @Test func grpoWithBesselsCorrection() {
        // mean = 0.5; Σ(r − mean)² = 4 · 0.25 = 1; unbiased variance = 1/3; std = √(1/3) = 0.57735.
        let group = GroupAdvantages(rewards: [1, 0, 0, 1])
        let std = (1.0 / 3).squareRoot()
        #expect(group.mean == 0.5)
        #expect(abs(group.standardDeviation - std) < 1e-15)
        #expect(close(group.advantages, [0.5, -0.5, -0.5, 0.5].map { $0 / (std + epsilon) }))
        #expect(abs(group.advantages[0] - 0.866_023_9) < 1e-7)
        #expect(!group.isZeroVariance)
    }

    @Test func grpoWithPopulationStd() {
        // Population variance = 1/4; std = 0.5; A = ±0.5 / 0.500001 = ±0.999998.
        let group = GroupAdvantages(rewards: [1, 0, 0, 1], estimator: .population)
        #expect(group.standardDeviation == 0.5)
        #expect(close(group.advantages, [1, -1, -1, 1].map { 0.5 * $0 / (0.5 + epsilon) }))
    }

    @Test func grpoOnHybridRewards() {
        // r = [0.8, 0.6, 0.0, 0.4]: mean = 1.8/4 = 0.45; deviations 0.35, 0.15, −0.45, −0.05;
        // squares 0.1225 + 0.0225 + 0.2025 + 0.0025 = 0.35; variance = 0.35/3; std = 0.341565.
        let group = GroupAdvantages(rewards: [0.8, 0.6, 0.0, 0.4])
        let std = (0.35 / 3).squareRoot()
        #expect(abs(group.mean - 0.45) < 1e-15)
        #expect(close(group.advantages, [0.35, 0.15, -0.45, -0.05].map { $0 / (std + epsilon) }, tolerance: 1e-9))
    }

    @Test func groupOfOneUsesMeanZeroAndStdOne() {
        // The release's rule: r / (1 + ε), so a lone correct answer still has a positive advantage.
        #expect(GroupAdvantages(rewards: [1]).advantages == [1 / (1 + epsilon)])
        #expect(GroupAdvantages(rewards: [0]).advantages == [0])
        #expect(!GroupAdvantages(rewards: [1]).isZeroVariance)
    }

    @Test func zeroVarianceGroup() {
        let group = GroupAdvantages(rewards: [0.6, 0.6, 0.6])
        #expect(group.isZeroVariance)
        #expect(group.advantages == [0, 0, 0])
    }

    // MARK: - Tango: global step reward

    func stepLevel(_ design: RewardDesign, steps: Int, verdicts: String, final: String?) throws -> ResponseReward {
        try ResponseReward(
            design: design, response: Builders.response(steps: steps),
            reply: Builders.cotReply(Builders.verdicts(verdicts), final: final))
    }

    @Test func globalStepRewardByHand() throws {
        let a = try stepLevel(.globalStepReward, steps: 3, verdicts: "ccc", final: "Yes")
        let b = try stepLevel(.globalStepReward, steps: 3, verdicts: "cii", final: "No")
        let group = TangoGroup(responses: [a, b])
        // Outcome: y = [1, 0]; mean 0.5; unbiased std = √(0.5/1) = 0.70711; z = ±0.5 / (0.70711 + ε).
        let z = 0.5 / (0.5.squareRoot() + epsilon)
        #expect(close(group.outcome.advantages, [z, -z]))
        // Placed rewards: A [1/3, 1/3, 1/3], B [1/3, −1/3, −1/3]. Pool mean = (4/3 − 2/3)/6 = 1/9.
        // Deviations: 2/9 (four times) and −4/9 (twice); squares 4·4/81 + 2·16/81 = 48/81;
        // unbiased variance = (48/81)/5 = 48/405; scale = √(48/405) + ε = 0.344265 + ε.
        let scale = (48.0 / 405).squareRoot() + epsilon
        #expect(abs(group.stepMean - 1.0 / 9) < 1e-15)
        #expect(abs(group.stepScale - scale) < 1e-15)
        #expect(close(group.normalizedStepRewards[0], [2, 2, 2].map { $0 / 9 / scale }))
        #expect(close(group.normalizedStepRewards[1], [2, -4, -4].map { $0 / 9 / scale }))
        // A(step j) = 0.8·z + 0.2·Σ_{j' ≥ j} ŝ_j'. A: sums 6/9, 4/9, 2/9. B: −6/9, −8/9, −4/9.
        let first = group.stepAdvantages(of: 0)
        #expect(close(first.steps.map(\.advantage), [6, 4, 2].map { 0.8 * z + 0.2 * $0 / 9 / scale }))
        #expect(abs(first.afterLastStep - 0.8 * z) < 1e-12)
        #expect(first.steps.map(\.span) == a.steps?.spans)
        let second = group.stepAdvantages(of: 1)
        #expect(close(second.steps.map(\.advantage), [-6, -8, -4].map { -0.8 * z + 0.2 * $0 / 9 / scale }))
        #expect(abs(second.afterLastStep + 0.8 * z) < 1e-12)
    }

    @Test func penalisedStepRewardsStayInThePoolByDefault() throws {
        let a = try stepLevel(.globalStepReward, steps: 3, verdicts: "ccc", final: "Yes")
        // K = P = 2 < 3: zeroed, but placed as [0, 0].
        let c = try stepLevel(.globalStepReward, steps: 2, verdicts: "cc", final: "Yes")
        #expect(c.steps?.placedRewards == [0, 0])
        // Pool [1/3, 1/3, 1/3, 0, 0]: mean 1/5; deviations 2/15 (three times) and −1/5 (twice);
        // squares 3·4/225 + 2·9/225 = 30/225; unbiased variance = (30/225)/4 = 1/30.
        let release = TangoGroup(responses: [a, c])
        let scale = (1.0 / 30).squareRoot() + epsilon
        #expect(abs(release.stepMean - 0.2) < 1e-15)
        #expect(close(release.normalizedStepRewards[1], [-0.2 / scale, -0.2 / scale]))  // ≈ −1.0954, not 0
        // Both outcomes are Yes: z = 0, so only the step term moves the penalised response.
        #expect(release.outcome.advantages == [0, 0])
        #expect(close(release.stepAdvantages(of: 1).steps.map(\.advantage), [0.2 * -0.4 / scale, 0.2 * -0.2 / scale]))

        // Excluded: the pool is A's three equal rewards, so σ = 0, scale = ε and A's ŝ = 0/ε = 0;
        // the penalised response gets ŝ = 0 on both steps.
        let excluded = TangoGroup(responses: [a, c], pooling: .excludePenalised)
        #expect(abs(excluded.stepMean - 1.0 / 3) < 1e-15)
        #expect(excluded.stepScale == epsilon)
        #expect(excluded.normalizedStepRewards == [[0, 0, 0], [0, 0]])
        #expect(excluded.stepAdvantages(of: 1).steps.map(\.advantage) == [0, 0])
    }

    @Test func aPoolOfOneUsesMeanZeroAndScaleOne() throws {
        // One placed step reward in the whole group (K = P = 1, zeroed as too few but placed): μ = 0, σ = 1.
        let single = TangoGroup(responses: [
            try stepLevel(.globalStepReward, steps: 1, verdicts: "c", final: "Yes")
        ])
        #expect(single.stepMean == 0 && single.stepScale == 1)
        #expect(single.normalizedStepRewards == [[0]])
    }

    // MARK: - Tango: selective advantage

    @Test func selectiveAdvantageByHand() throws {
        let a = try stepLevel(.selectiveAdvantage, steps: 4, verdicts: "cicc", final: "Yes")
        let b = try stepLevel(.selectiveAdvantage, steps: 4, verdicts: "ccii", final: "No")
        let group = TangoGroup(responses: [a, b])
        let z = 0.5 / (0.5.squareRoot() + epsilon)
        // z_A ≥ 0: incorrect steps are zeroed. z_B < 0: correct steps are zeroed.
        #expect(group.selectiveMultipliers(of: 0) == [1, 0, 1, 1])
        #expect(group.selectiveMultipliers(of: 1) == [0, 0, 1, 1])
        #expect(close(group.stepAdvantages(of: 0).steps.map(\.advantage), [z, 0, z, z]))
        #expect(close(group.stepAdvantages(of: 1).steps.map(\.advantage), [0, 0, -z, -z]))
        #expect(abs(group.stepAdvantages(of: 0).afterLastStep - z) < 1e-12)  // the tail keeps z_i
        #expect(abs(group.stepAdvantages(of: 1).afterLastStep + z) < 1e-12)
    }

    @Test func selectiveHalfDiscount() throws {
        let a = try stepLevel(.selectiveAdvantageHalfDiscount, steps: 4, verdicts: "cicc", final: "Yes")
        let b = try stepLevel(.selectiveAdvantageHalfDiscount, steps: 4, verdicts: "ccii", final: "No")
        let group = TangoGroup(responses: [a, b])
        let z = 0.5 / (0.5.squareRoot() + epsilon)
        #expect(group.selectiveMultipliers(of: 0) == [1, 0.5, 1, 1])
        #expect(group.selectiveMultipliers(of: 1) == [0.5, 0.5, 1, 1])
        #expect(close(group.stepAdvantages(of: 1).steps.map(\.advantage), [-z / 2, -z / 2, -z, -z]))
    }

    @Test func selectiveMasksWithRawVerdictsWhenCountsDiffer() throws {
        // K = 5, P = 4: step rewards zeroed, outcome kept, and the raw verdicts mask the first 4 steps.
        let c = try stepLevel(.selectiveAdvantage, steps: 5, verdicts: "cicc", final: "Yes")
        let d = try stepLevel(.selectiveAdvantage, steps: 4, verdicts: "cccc", final: "No")
        let group = TangoGroup(responses: [c, d])
        #expect(group.outcome.advantages[0] > 0)
        #expect(group.selectiveMultipliers(of: 0) == [1, 0, 1, 1, 1])
    }

    @Test func selectiveMasksEvenWhenTheBoundsForceTheOutcome() throws {
        // K = 3 < 4 forces y to 0 but the zeroed rewards are still placed, so the release still masks with
        // the raw verdicts: y = [0, 1] → z_E < 0, and E's three correct steps are zeroed.
        let e = try stepLevel(.selectiveAdvantage, steps: 3, verdicts: "ccc", final: "Yes")
        let f = try stepLevel(.selectiveAdvantage, steps: 4, verdicts: "cccc", final: "Yes")
        let group = TangoGroup(responses: [e, f])
        #expect(e.score == 0)
        #expect(group.outcome.advantages[0] < 0)
        #expect(group.selectiveMultipliers(of: 0) == [0, 0, 0])
        #expect(group.selectiveMultipliers(of: 1) == [1, 1, 1, 1])
    }

    @Test func selectiveWithoutPlacedRewardsKeepsTheOutcomeEverywhere() throws {
        let g = try stepLevel(.selectiveAdvantage, steps: 4, verdicts: "", final: "Yes")  // P = 0
        let invalid = try ResponseReward(
            design: .selectiveAdvantage, response: Builders.response(steps: 4, after: "!"), reply: nil)
        let group = TangoGroup(responses: [g, invalid])
        #expect(group.selectiveMultipliers(of: 0) == [1, 1, 1, 1])
        #expect(group.selectiveMultipliers(of: 1) == [])
        let z = group.outcome.advantages
        #expect(group.stepAdvantages(of: 0).steps.map(\.advantage) == Array(repeating: z[0], count: 4))
        #expect(group.stepAdvantages(of: 1).steps == [])
        #expect(group.stepAdvantages(of: 1).afterLastStep == z[1])
    }

    @Test func zeroVarianceGroupHasZeroAdvantagesEverywhere() throws {
        let a = try stepLevel(.selectiveAdvantage, steps: 4, verdicts: "cicc", final: "Yes")
        let group = TangoGroup(responses: [a, a])
        #expect(group.outcome.isZeroVariance)
        #expect(group.stepAdvantages(of: 0).steps.allSatisfy { $0.advantage == 0 })
    }
}
