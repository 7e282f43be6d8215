// The world options that spark-train synth and spark-rl train share: the recipe's policy world, written
// as options, reads back as that world; no option gives the defaults; a bad value is named.

import CommandLineKit
import Domain
import Recipe
import Testing
import WorldCommandLine

@Suite struct WorldOptionsTests {
    let command = Command(name: "world", summary: "", options: WorldOptions.options)

    @Test func theRecipesPolicyWorldReadsBackFromItsOptions() throws {
        let parsed = try #require(try command.parse(RecipeWorlds.policySynthArguments))
        #expect(try WorldOptions.settings(parsed) == RecipeWorlds.policy)
        #expect(try WorldOptions.settings(#require(try command.parse([]))) == WorldSettings())
    }

    @Test func aBadValueIsNamed() throws {
        let cases: [([String], String)] = [
            (["--world-start", "40-10"], "'--world-start': '40-10' is not MIN-MAX"),
            (["--world-limit", "0"], "'--world-limit': '0' is not positive"),
            (["--world-operations", "add,power"], "'power' is not one of add"),
            (["--world-themes", "farm,moon"], "unknown theme 'moon'"),
            (["--world-start", "10-90", "--world-limit", "99"], "leaves no room"),
        ]
        for (arguments, message) in cases {
            let parsed = try #require(try command.parse(arguments))
            #expect {
                _ = try WorldOptions.settings(parsed)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }
}
