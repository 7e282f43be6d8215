import Testing

@testable import RL

/// The names of `--reward` and what each asks of /v1/reward (SPARK-FORMATS.md §3).
@Suite struct PolicyRewardTests {
    @Test func everyDesignNamesItsServerDesignAndVariant() {
        let expected: [PolicyReward: (design: String?, variant: String?, tokenLevel: Bool)] = [
            .outcomeORM: ("outcome", "orm", false), .outcomePRM: ("process_aware_outcome", "prm_cot", false),
            .hybrid: ("step_augmented_hybrid", "prm_cot", false), .globalStep: ("global_step_reward", "prm_cot", true),
            .selective: ("selective_advantage", "prm_cot", true),
            .selectiveHalf: ("selective_advantage_half_discount", "prm_cot", true), .random: ("random", nil, false),
            .rlvr: (nil, nil, false),
        ]
        #expect(expected.count == PolicyReward.allCases.count)
        for reward in PolicyReward.allCases {
            let wanted = expected[reward]!
            #expect(reward.serverDesign == wanted.design, "\(reward)")
            #expect(reward.variant == wanted.variant, "\(reward)")
            #expect(reward.isTokenLevel == wanted.tokenLevel, "\(reward)")
        }
        #expect(
            PolicyReward.names
                == "outcome-orm, outcome-prm, hybrid, global-step, selective, selective-half, random, rlvr")
    }
}
