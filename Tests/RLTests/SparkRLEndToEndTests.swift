import Foundation
import Model
import TestSupport
import Testing

/// spark-rl train as a user runs it: a tiny policy, a real spark-server on loopback serving the tiny
/// fixture as reward model, 3 GRPO steps; the checkpoint loads in the engine's loader, and a resumed
/// run continues to a fourth step.
@Suite(.serialized) struct SparkRLEndToEndTests {
    @Test func threeStepsWriteACheckpointAndResumeContinues() throws {
        let server = try ServerProcess()
        let out = NSTemporaryDirectory() + "spark-rl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let common = [
            "train", "--model", Fixtures.model("qwen2-gqa-tied"), "--out", out, "--reward", "hybrid",
            "--reward-url", "http://127.0.0.1:\(server.port)", "--group-size", "4", "--prompts-per-step", "2",
            "--max-tokens", "12", "--reward-max-tokens", "12", "--held-out", "2", "--eval-every", "3",
            "--lr", "1e-3", "--quiet",
        ]
        let first = try CommandRunner.run("spark-rl", common + ["--steps", "3"])
        #expect(first.status == 0, "\(first.errorOutput)")
        let checkpoint = try Checkpoint(directory: out)
        _ = try ModelWeights(checkpoint: checkpoint)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(first.output.utf8)) as? [String: Any])
        #expect(report["steps"] as? Int == 3)
        #expect(report["reward"] as? String == "hybrid")
        let metrics = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 1 + 4)  // header, step 0 (held-out), steps 1 to 3
        #expect(FileManager.default.fileExists(atPath: out + "/rl.svg"))

        let resumed = try CommandRunner.run("spark-rl", common + ["--steps", "4", "--resume"])
        #expect(resumed.status == 0, "\(resumed.errorOutput)")
        let continued = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
        #expect(continued.hasPrefix(metrics))
        #expect(continued.split(separator: "\n").count == 1 + 5)
        #expect(server.terminate() == 0)
    }

    @Test func aBadRewardNameIsRefusedWithTheKnownNames() throws {
        let outcome = try CommandRunner.run(
            "spark-rl", ["train", "--model", "x", "--out", "y", "--reward", "vibes"])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("expected one of outcome-orm, outcome-prm, hybrid"))
    }
}
