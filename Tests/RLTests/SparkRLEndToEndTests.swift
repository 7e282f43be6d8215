import Foundation
import Model
import TestSupport
import Testing

/// spark-rl train as a user runs it: a tiny policy, a real spark-server on loopback serving the tiny
/// fixture as reward model, 3 GRPO steps; the checkpoint loads in the engine's loader, and a resumed
/// run continues to a fourth step, bit for bit where an uninterrupted run ends.
@Suite(.serialized) struct SparkRLEndToEndTests {
    @Test func threeStepsWriteACheckpointAndResumeContinues() throws {
        let server = try ServerProcess()
        let out = NSTemporaryDirectory() + "spark-rl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let common = [
            "train", "--model", Fixtures.model("qwen2-gqa-tied"), "--out", out, "--reward", "hybrid",
            "--reward-url", "http://127.0.0.1:\(server.port)", "--group-size", "4", "--prompts-per-step", "2",
            "--max-tokens", "12", "--reward-max-tokens", "12", "--held-out", "2", "--held-out-samples", "2",
            "--eval-every", "3", "--lr", "1e-3", "--quiet",
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
        // The random fixture writes no valid solution: 0 of 2 greedy and 0 of 4 sampled answers.
        #expect(report["held_out_accuracy_first"] as? Double == 0)
        #expect(report["held_out_sampled_accuracy_last"] as? Double == 0)
        #expect(report["held_out_samples"] as? Int == 2)
        #expect(FileManager.default.fileExists(atPath: out + "/rl.svg"))

        let resumed = try CommandRunner.run("spark-rl", common + ["--steps", "4", "--resume"])
        #expect(resumed.status == 0, "\(resumed.errorOutput)")
        let continued = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
        #expect(continued.hasPrefix(metrics))
        #expect(continued.split(separator: "\n").count == 1 + 5)

        // Resumed, the run ends on the weights of a run that was never stopped.
        let whole = NSTemporaryDirectory() + "spark-rl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: whole) }
        var uninterrupted = common
        uninterrupted[uninterrupted.firstIndex(of: out)!] = whole
        let again = try CommandRunner.run("spark-rl", uninterrupted + ["--steps", "4"])
        #expect(again.status == 0, "\(again.errorOutput)")
        #expect(try FileReader.bytes(out + "/model.safetensors") == FileReader.bytes(whole + "/model.safetensors"))
        #expect(server.terminate() == 0)
    }

    /// The reward server stops (SIGTERM) after step 1 and a new one starts on the same port: the
    /// run retries until it answers and ends with the rewards of a run that was never interrupted.
    @Test func aRewardServerRestartedMidRunLosesNoStep() throws {
        let first = try ServerProcess()
        let port = first.port
        let interrupted = NSTemporaryDirectory() + "spark-rl-\(UUID().uuidString)"
        let uninterrupted = NSTemporaryDirectory() + "spark-rl-\(UUID().uuidString)"
        let log = NSTemporaryDirectory() + "spark-rl-\(UUID().uuidString).log"
        defer {
            for path in [interrupted, uninterrupted, log] { try? FileManager.default.removeItem(atPath: path) }
        }
        func arguments(_ out: String) -> [String] {
            [
                "train", "--model", Fixtures.model("qwen2-gqa-tied"), "--out", out, "--reward", "outcome-prm",
                "--reward-url", "http://127.0.0.1:\(port)", "--group-size", "4", "--prompts-per-step", "2",
                "--max-tokens", "12", "--reward-max-tokens", "12", "--held-out", "0", "--steps", "3",
                "--save-every", "1", "--lr", "1e-3", "--backoff", "0.05", "--retries", "30", "--quiet",
            ]
        }
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        let process = Process()
        process.executableURL = try CommandRunner.binary("spark-rl")
        process.arguments = arguments(interrupted)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        func logText() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(60)
        while !logText().contains("step 1: checkpoint written") && process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        #expect(first.terminate() == 0)
        // The new server starts only once the run has met the stopped one.
        while !logText().contains("retrying") && process.isRunning && Date() < deadline { usleep(20_000) }
        #expect(logText().contains("retrying"), "the run never met the stopped server: \(logText())")
        let second = try ServerProcess(arguments: ["--port", String(port)])
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(logText())")

        let again = try CommandRunner.run("spark-rl", arguments(uninterrupted))
        #expect(again.status == 0, "\(again.errorOutput)")
        func rewards(_ out: String) throws -> [String] {
            let lines = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
            return lines.dropFirst().map { String($0.split(separator: ",", omittingEmptySubsequences: false)[1]) }
        }
        #expect(try rewards(interrupted).count == 3)
        #expect(try rewards(interrupted) == rewards(uninterrupted))
        #expect(second.terminate() == 0)
    }

    /// The monitors check each rollout's format on the client, so that neither RLVR (no server) nor a
    /// server without the gate (`--format none`, which reports no violation) hides the appending
    /// hack: the random fixture writes no valid solution, and every run sees all of its rollouts invalid.
    @Test func theMonitorsCheckTheFormatWhereTheServerDoesNot() throws {
        let server = try ServerProcess()
        for (reward, format) in [("rlvr", "steps"), ("hybrid", "none"), ("hybrid", "steps")] {
            let out = NSTemporaryDirectory() + "spark-rl-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: out) }
            let run = try CommandRunner.run(
                "spark-rl",
                [
                    "train", "--model", Fixtures.model("qwen2-gqa-tied"), "--out", out, "--reward", reward,
                    "--format", format, "--reward-url", "http://127.0.0.1:\(server.port)", "--group-size", "2",
                    "--prompts-per-step", "2", "--max-tokens", "12", "--reward-max-tokens", "12", "--held-out", "0",
                    "--steps", "1", "--quiet",
                ])
            #expect(run.status == 0, "\(run.errorOutput)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
            #expect(report["invalid_format_share_last"] as? Double == 1, "\(reward) with format \(format)")
        }
        let unknown = try CommandRunner.run(
            "spark-rl", ["train", "--model", "x", "--out", "y", "--reward", "rlvr", "--format", "boxed"])
        #expect(unknown.status == 2)
        #expect(unknown.errorOutput.contains("--format 'boxed': expected steps, spark or none"))
        #expect(server.terminate() == 0)
    }

    @Test func aBadRewardNameIsRefusedWithTheKnownNames() throws {
        let outcome = try CommandRunner.run(
            "spark-rl", ["train", "--model", "x", "--out", "y", "--reward", "vibes"])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("expected one of outcome-orm, outcome-prm, hybrid"))
        let samples = try CommandRunner.run(
            "spark-rl", ["train", "--model", "x", "--out", "y", "--reward", "rlvr", "--held-out-samples", "-1"])
        #expect(samples.status == 2)
        #expect(samples.errorOutput.contains("--held-out-samples: expected 0 or more"))
    }
}
