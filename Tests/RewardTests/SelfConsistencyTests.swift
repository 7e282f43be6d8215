import Reward
import Testing

@Suite struct SelfConsistencyTests {
    func cot(_ verdicts: String, _ final: String? = "Yes") -> RewardModelReply {
        Builders.cotReply(Builders.verdicts(verdicts), final: final)
    }

    // MARK: - Outcome level

    @Test func outcomeMajorityDropsUnparseableVerdicts() {
        // Yes, unparseable, unparseable, No, Yes: 2 Yes against 1 No; the two unreadable replies do not count as No.
        let vote = SelfConsistency.voteOutcome([
            cot("c", "Yes"), cot("c", nil), cot("c", nil), cot("i", "No"), cot("c", "Yes"),
        ])
        #expect(vote.verdict == .yes)
        #expect(vote.yesCount == 2 && vote.noCount == 1 && vote.unparseableCount == 2)
        #expect(vote.targetIndex == 0)
        #expect(!vote.isTie)
    }

    @Test func outcomeTieIsNo() {
        let vote = SelfConsistency.voteOutcome([cot("c", "Yes"), cot("c", "Yes"), cot("i", "No"), cot("i", "No")])
        #expect(vote.isTie)
        #expect(vote.verdict == .no)
        #expect(vote.targetIndex == 2)  // the first verification that says No
    }

    @Test func outcomeWithNothingParsed() {
        let vote = SelfConsistency.voteOutcome([cot("c", nil), cot("", nil)])
        #expect(vote.verdict == nil)
        #expect(vote.targetIndex == nil)
        #expect(vote.unparseableCount == 2)
        #expect(!vote.isTie)
        #expect(SelfConsistency.voteOutcome([]).verdict == nil)
    }

    // MARK: - Step level

    @Test func stepMajorityAndFirstError() throws {
        let vote = try #require(
            SelfConsistency.voteSteps([cot("ccc"), cot("cic"), cot("cii"), cot("cci"), cot("cci")]))
        // Step 1: 5/5 correct. Step 2: 3/5 correct. Step 3: 2/5 correct, so incorrect.
        #expect(vote.stepCount == 3)
        #expect(vote.correctShares == [1, 0.6, 0.4])
        #expect(vote.verdicts == Builders.verdicts("cci"))
        #expect(vote.firstError == 2)
        #expect(vote.derivedOutcome == .no)
        #expect(vote.targetIndex == 3)  // the first "cci", which agrees with the vote everywhere
    }

    @Test func allCorrectMeansNoErrorAndYes() throws {
        let vote = try #require(SelfConsistency.voteSteps([cot("cc", "No"), cot("ci"), cot("cc")]))
        #expect(vote.verdicts == Builders.verdicts("cc"))
        #expect(vote.firstError == -1)
        #expect(vote.derivedOutcome == .yes)  // derived from the steps, whatever the final verdicts say
    }

    @Test func stepTieIsIncorrect() throws {
        let vote = try #require(SelfConsistency.voteSteps([cot("cc"), cot("ci"), cot("ic"), cot("cc")]))
        // Step 1: 3 correct of 4. Step 2: 3 of 4. And a 2–2 split:
        #expect(vote.verdicts == Builders.verdicts("cc"))
        let tied = try #require(SelfConsistency.voteSteps([cot("cc"), cot("ci"), cot("ci"), cot("cc")]))
        #expect(tied.correctShares == [1, 0.5])
        #expect(tied.verdicts == Builders.verdicts("ci"))
        #expect(tied.firstError == 1)
    }

    @Test func onlyVerificationsWithTheModalStepCountVote() throws {
        // Counts 3, 3, 2 (cut off), 4 (split a step), 3: the three-step verifications vote alone.
        let replies = [cot("cic"), cot("cii"), cot("ii"), cot("iiii"), cot("ccc")]
        let vote = try #require(SelfConsistency.voteSteps(replies))
        #expect(vote.stepCount == 3)
        #expect(vote.voterIndices == [0, 1, 4])
        #expect(vote.verdicts == Builders.verdicts("cic"))
        #expect(vote.firstError == 1)
        #expect(vote.targetIndex == 0)
    }

    @Test func expectedStepCountOverridesTheMode() throws {
        let replies = [cot("cic"), cot("cii"), cot("ccci"), cot("ccc")]
        let vote = try #require(SelfConsistency.voteSteps(replies, expectedStepCount: 4))
        #expect(vote.voterIndices == [2])
        #expect(vote.firstError == 3)
        #expect(SelfConsistency.voteSteps(replies, expectedStepCount: 5) == nil)
    }

    @Test func tiedModesGoToTheLongerCount() throws {
        let vote = try #require(SelfConsistency.voteSteps([cot("cc"), cot("ccc"), cot("ci"), cot("cci")]))
        #expect(vote.stepCount == 3)
        #expect(vote.voterIndices == [1, 3])
        // Step 3: one correct, one incorrect, a tie: incorrect.
        #expect(vote.verdicts == Builders.verdicts("cci"))
        #expect(vote.targetIndex == 3)
    }

    @Test func allUnparseableGivesNoVote() {
        let garbage = [
            RewardModelReply(parsing: "I cannot verify this.", variant: .prmCoT),
            RewardModelReply(parsing: "<think>**This step is correct.**", variant: .prmCoT), cot("", nil),
        ]
        #expect(SelfConsistency.voteSteps(garbage) == nil)
        #expect(SelfConsistency.voteSteps([]) == nil)
    }

    @Test func prmLinesVoteToo() throws {
        let replies = [
            "Step 1: Correct\nStep 2: Incorrect", "Step 1: Correct\nStep 2: Correct",
            "Step 1: Incorrect\nStep 2: Incorrect",
        ]
        .map { RewardModelReply(parsing: $0, variant: .prm) }
        let vote = try #require(SelfConsistency.voteSteps(replies))
        #expect(vote.verdicts == Builders.verdicts("ci"))
        #expect(vote.firstError == 1)
    }
}
