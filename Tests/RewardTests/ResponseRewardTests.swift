import Reward
import Testing

/// Hand-worked values of every reward formula of SPARK-FORMATS.md §3, and each reward-hacking pattern.
@Suite struct ResponseRewardTests {
    let valid = Builders.response(steps: 3)

    // MARK: - Outcome designs

    @Test func ormOutcomeReward() throws {
        let yes = RewardModelReply(parsing: " Yes\n", variant: .orm)
        let no = RewardModelReply(parsing: "No", variant: .orm)
        let unreadable = RewardModelReply(parsing: "Probably yes", variant: .orm)
        #expect(try ResponseReward(design: .outcome, response: valid, reply: yes).score == 1)
        #expect(try ResponseReward(design: .outcome, response: valid, reply: no).score == 0)
        let unparsed = try ResponseReward(design: .outcome, response: valid, reply: unreadable)
        #expect(unparsed.score == 0)
        #expect(unparsed.reply?.isOutcomeParsed == false)  // 0, but reported as unparseable, not as No
        #expect(unparsed.reply?.outcome == nil)
    }

    @Test(arguments: [RewardModelVariant.prm, .prmCoT])
    func processAwareOutcomeReward(_ variant: RewardModelVariant) throws {
        let yes = RewardModelReply(parsing: "Step 1: Correct\nIs the answer correct (Yes/No)? Yes", variant: variant)
        let cut = RewardModelReply(parsing: "## Step 1: Add\nThe student adds", variant: variant)
        #expect(try ResponseReward(design: .processAwareOutcome, response: valid, reply: yes).score == 1)
        let unparsed = try ResponseReward(design: .processAwareOutcome, response: valid, reply: cut)
        #expect(unparsed.score == 0)
        #expect(unparsed.reply?.isOutcomeParsed == false)
    }

    @Test func stepAugmentedHybrid() throws {
        func hybrid(_ reply: RewardModelReply) throws -> Double {
            try ResponseReward(design: .stepAugmentedHybrid, response: valid, reply: reply).score
        }
        // k/n = 2/3, y = 1: (2/3)·0.4 + 1·0.6 = 0.2667 + 0.6 = 0.8667.
        #expect(try hybrid(Builders.cotReply(Builders.verdicts("cci"), final: "Yes")) == (2.0 / 3.0) * 0.4 + 0.6)
        // k/n = 1, y = 0: 0.4.
        #expect(try hybrid(Builders.cotReply(Builders.verdicts("ccc"), final: "No")) == 0.4)
        // No step markers: k/n = 0, y = 1: 0.6.
        #expect(try hybrid(Builders.cotReply([], final: "Yes")) == 0.6)
        // k/n = 1/4, unparseable outcome (y = 0): 0.1.
        #expect(try hybrid(Builders.cotReply(Builders.verdicts("ciii"), final: nil)) == 0.25 * 0.4)
        // PRM lines count as well: 1/2 · 0.4 + 0.6 = 0.8.
        let prm = RewardModelReply(parsing: "Step 1: Correct\nStep 2: Incorrect\n? Yes", variant: .prm)
        #expect(try hybrid(prm) == 0.5 * 0.4 + 0.6)
    }

    // MARK: - Reward hacking

    @Test(arguments: RewardDesign.allCases.filter(\.usesRewardModel))
    func solutionAppendedAfterTheAnswerScoresZero(_ design: RewardDesign) throws {
        let appended = valid + "\n\nProblem: what is 2 + 2?\n<step>2 + 2 = 4</step>\nSo the answer is 4."
        let reply =
            design == .outcome
            ? RewardModelReply(parsing: "Yes", variant: .orm)
            : Builders.cotReply(
                Builders.verdicts("ccc"))
        let reward = try ResponseReward(design: design, response: appended, reply: reply)
        #expect(reward.score == 0)
        #expect(reward.reply == nil)  // the reward model is not consulted
        #expect(reward.steps == nil)
        #expect(reward.format?.violations == [.textAfterAnswer(at: valid.unicodeScalars.count + 2)])
        // And the reward model would only have seen the text up to </answer>.
        #expect(RewardModelInput.solution(from: appended) == valid)
    }

    @Test func twoBoxedAnswersScoreZero() throws {
        let response = Builders.response(steps: 3, answer: "\\boxed{5} (or \\boxed{-5})")
        let reward = try ResponseReward(design: .processAwareOutcome, response: response, reply: nil)
        #expect(reward.score == 0)
        #expect(reward.format?.violations == [.boxedCount(2)])
    }

    @Test func withoutTheGateTheModelJudgesEveryResponse() throws {
        let response = "Step 1: 2 + 3 = 5\nStep 2: so the answer is 5 (or \\boxed{5} and \\boxed{6})"
        let yes = RewardModelReply(parsing: "Is the answer correct (Yes/No)? Yes", variant: .prmCoT)
        let gated = try ResponseReward(design: .processAwareOutcome, response: response, reply: yes)
        #expect(gated.score == 0)
        let ungated = try ResponseReward(
            design: .processAwareOutcome, response: response, reply: yes, format: nil)
        #expect(ungated.score == 1)
        #expect(ungated.format == nil)
        #expect(ungated.isFormatValid)
    }

    @Test func twoAnswerBlocksScoreZero() throws {
        let response = "<think>\n<step>x = 5</step>\n</think>\n<answer>\\boxed{5}</answer><answer>5</answer>"
        let reward = try ResponseReward(design: .processAwareOutcome, response: response, reply: nil)
        #expect(reward.score == 0)
        let tail = response.unicodeScalars.count - "<answer>5</answer>".unicodeScalars.count
        #expect(reward.format?.violations == [.answerBlockCount(2), .textAfterAnswer(at: tail)])
    }

    @Test func oneStep() throws {
        let response = Builders.response(steps: 1)
        let reply = Builders.cotReply(Builders.verdicts("c"), final: "Yes")
        // Global step reward: K = 1 < 3, step rewards zeroed but placed, outcome kept.
        let global = try ResponseReward(design: .globalStepReward, response: response, reply: reply)
        #expect(global.score == 1)
        #expect(global.steps?.penalty == .tooFewSteps)
        #expect(global.steps?.placedRewards == [0])
        // Selective advantage: K = 1 < 4, step rewards and outcome forced to 0.
        let selective = try ResponseReward(design: .selectiveAdvantage, response: response, reply: reply)
        #expect(selective.score == 0)
        #expect(selective.steps?.penalty == .tooFewSteps)
        #expect(selective.steps?.forcesOutcomeToZero == true)
        // The plain outcome designs do not look at steps: a one-step solution keeps its reward there.
        #expect(try ResponseReward(design: .processAwareOutcome, response: response, reply: reply).score == 1)
    }

    @Test func threeSteps() throws {
        let response = Builders.response(steps: 3)
        let reply = Builders.cotReply(Builders.verdicts("cci"), final: "Yes")
        // Global: K = P = 3, within [3, 20]: ±1/K = [1/3, 1/3, −1/3].
        let global = try ResponseReward(design: .globalStepReward, response: response, reply: reply)
        #expect(global.steps?.penalty == nil)
        #expect(global.steps?.placedRewards == [1.0 / 3, 1.0 / 3, -1.0 / 3])
        #expect(global.steps?.policyStepCount == 3)
        #expect(global.steps?.verdictCount == 3)
        #expect(global.score == 1)
        // Selective: K = 3 < 4 is too few.
        for design in [RewardDesign.selectiveAdvantage, .selectiveAdvantageHalfDiscount] {
            let selective = try ResponseReward(design: design, response: response, reply: reply)
            #expect(selective.steps?.penalty == .tooFewSteps)
            #expect(selective.score == 0)
            #expect(selective.steps?.placedRewards == [0, 0, 0])
        }
    }

    @Test func twentyFiveSteps() throws {
        let response = Builders.response(steps: 25)
        let reply = Builders.cotReply(Array(repeating: .correct, count: 25), final: "Yes")
        let global = try ResponseReward(design: .globalStepReward, response: response, reply: reply)
        #expect(global.steps?.penalty == .tooManySteps)
        #expect(global.steps?.placedRewards == Array(repeating: 0, count: 25))
        #expect(global.score == 1)
        let selective = try ResponseReward(design: .selectiveAdvantage, response: response, reply: reply)
        #expect(selective.steps?.penalty == .tooManySteps)
        #expect(selective.score == 0)
        // Twenty steps is still allowed.
        let twenty = try ResponseReward(
            design: .selectiveAdvantage, response: Builders.response(steps: 20),
            reply: Builders.cotReply(Array(repeating: .correct, count: 20)))
        #expect(twenty.steps?.penalty == nil)
        #expect(twenty.steps?.placedRewards == Array(repeating: 1.0 / 20, count: 20))
    }

    @Test func stepCountMismatch() throws {
        // K = 5 policy steps, P = 4 verdicts.
        let response = Builders.response(steps: 5)
        let reply = Builders.cotReply(Builders.verdicts("ccic"), final: "Yes")
        for design in [RewardDesign.globalStepReward, .selectiveAdvantage, .selectiveAdvantageHalfDiscount] {
            let reward = try ResponseReward(design: design, response: response, reply: reply)
            #expect(reward.steps?.penalty == .countMismatch)
            #expect(reward.steps?.placedRewards == [0, 0, 0, 0, 0])
            #expect(reward.steps?.verdicts == Builders.verdicts("ccic"))  // kept for the selective mask
            #expect(reward.score == 1)  // the outcome is kept
        }
    }

    @Test func replyWithoutStepMarkersPlacesNothing() throws {
        let reply = Builders.cotReply([], final: "Yes")
        // K = 4, P = 0: a count mismatch, and as in the release nothing is placed.
        let four = try ResponseReward(design: .selectiveAdvantage, response: Builders.response(steps: 4), reply: reply)
        #expect(four.steps?.penalty == .countMismatch)
        #expect(four.steps?.placedRewards == [])
        #expect(four.score == 1)
        // K = 2, P = 0: the bounds on K apply whatever P is (the release skips them when P = 0).
        let two = try ResponseReward(design: .selectiveAdvantage, response: Builders.response(steps: 2), reply: reply)
        #expect(two.steps?.penalty == .tooFewSteps)
        #expect(two.score == 0)
    }

    @Test func stepSpansComeFromThePolicyResponse() throws {
        let response = Builders.response(steps: 4)
        let reward = try ResponseReward(
            design: .globalStepReward, response: response, reply: Builders.cotReply(Builders.verdicts("cccc")))
        #expect(reward.steps?.spans == PolicySteps(response: response).spans)
    }

    // MARK: - Random and rule-based

    @Test func randomRewardDrawsOnlyForValidResponses() {
        var generator = SplitMix64(state: 42)
        var reference = SplitMix64(state: 42)
        var scores: [Double] = []
        for _ in 0..<64 {
            scores.append(ResponseReward(randomFor: valid, using: &generator).score)
            #expect(scores.last == (reference.next() >> 63 == 1 ? 1 : 0))
        }
        // A fair coin: 64 draws are neither all heads nor all tails.
        #expect(scores.contains(0) && scores.contains(1))
        let before = generator.draws
        let invalid = ResponseReward(randomFor: valid + " extra", using: &generator)
        #expect(invalid.score == 0)
        #expect(generator.draws == before)
    }

    @Test func ruleBasedHasNoFormatGate() {
        let reward = ResponseReward(ruleBasedFor: valid + "\nappended text", groundTruth: "5")
        #expect(reward.score == 1)
        #expect(reward.format == nil)
        #expect(reward.isFormatValid)
        #expect(ResponseReward(ruleBasedFor: valid, groundTruth: "6").score == 0)
    }

    // MARK: - Misuse

    @Test func errorsSayWhatWasExpected() {
        #expect(throws: RewardError.missingReply(.outcome)) {
            try ResponseReward(design: .outcome, response: valid, reply: nil)
        }
        let cot = Builders.cotReply([.correct])
        #expect(throws: RewardError.replyVariantMismatch(design: .outcome, variant: .prmCoT)) {
            try ResponseReward(design: .outcome, response: valid, reply: cot)
        }
        #expect(throws: RewardError.notARewardModelDesign(.random)) {
            try ResponseReward(design: .random, response: valid, reply: cot)
        }
        #expect(
            RewardError.replyVariantMismatch(design: .outcome, variant: .prmCoT).description
                == "design outcome reads orm replies, found a prm_cot reply")
    }
}
