import TestSupport
import Testing

/// Every saved fuzz input (the seeds, and each input that ever made a target fail) replayed through
/// its target by the plain build of spark-fuzz: a parser that regresses crashes here.
@Suite struct FuzzRegressionTests {
    @Test(arguments: ["request", "json", "safetensors", "config", "tokenizer", "verdict"])
    func savedInputsPass(target: String) throws {
        let outcome = try CommandRunner.run("spark-fuzz", [target, Fixtures.root + "/fuzz/" + target])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        #expect(outcome.output.contains("no finding"))
    }
}
