import Foundation
import JSON
import TestSupport
import Testing

/// `spark-train synth` end to end on a tiny random checkpoint as both generator and verifier: its
/// replies are noise, so this checks the plumbing (every file, counts, resume), not the labels.
@Suite struct SynthCommandTests {
    @Test func aWorldRunOnALocalCheckpointWritesEveryFileAndResumes() throws {
        let model = try ServerProcess.checkpointCopy(of: "qwen2-gqa-tied")
        let directory = AggregationTests.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: model)
            try? FileManager.default.removeItem(atPath: directory)
        }
        let arguments = [
            "synth", "--world-problems", "3", "--seed", "5", "--generator", model, "--verifier", model,
            "--solutions", "2", "--verifications", "4", "--max-tokens", "24", "--out", directory + "/out",
            "--benchmark", directory + "/bench.jsonl",
        ]
        let started = ContinuousClock.now
        let first = try CommandRunner.run("spark-train", arguments)
        let elapsed = ContinuousClock.now - started
        #expect(first.status == 0, "\(first.errorOutput)")
        #expect(first.errorOutput.contains("verifications: 24 calls, 0 already answered"), "\(first.errorOutput)")
        print("spark-train synth, 3 problems, M = 2, N = 4, six methods: \(elapsed)")
        let out = directory + "/out/"
        func lineCount(_ path: String) throws -> Int {
            try String(contentsOfFile: out + path, encoding: .utf8).split(separator: "\n").count
        }
        #expect(try lineCount("solutions.jsonl") == 6)
        // 24 verifications, 24 reference-guided, a critique and a merge of each single verification, and
        // of each outcome pick where the vote had one.
        #expect(try lineCount("verifications.jsonl") >= 24 + 24 + 12)
        for method in ["single", "outcome", "step", "critique", "critique-outcome", "reference"] {
            #expect(try lineCount(method + "/labels.jsonl") == 6, "\(method)")
            for file in ["orm", "prm", "prm_cot", "trl"] {
                #expect(FileManager.default.fileExists(atPath: out + "\(method)/\(file).jsonl"))
            }
        }
        let stats = try #require(
            try JSONValue.parse(Array(String(contentsOfFile: out + "stats.json", encoding: .utf8).utf8)).objectValue)
        #expect(stats["solutions"] == .int(6))
        #expect(stats["verifications"]?.objectValue?["count"] == .int(24))
        #expect(stats["ground_truth"]?.objectValue?["step"] != nil)
        #expect(first.errorOutput.contains("benchmark: "))

        // Started again with the same arguments: nothing is asked twice and the files are the same.
        let before = try String(contentsOfFile: out + "step/labels.jsonl", encoding: .utf8)
        let solutions = try String(contentsOfFile: out + "solutions.jsonl", encoding: .utf8)
        let again = try CommandRunner.run("spark-train", arguments)
        #expect(again.status == 0, "\(again.errorOutput)")
        #expect(again.errorOutput.contains("verifications: 24 calls, 24 already answered"), "\(again.errorOutput)")
        #expect(try String(contentsOfFile: out + "step/labels.jsonl", encoding: .utf8) == before)
        #expect(try String(contentsOfFile: out + "solutions.jsonl", encoding: .utf8) == solutions)
    }

    /// The same checkpoint behind spark-server's OpenAI-compatible route and run in process: same seeds,
    /// same sampling defaults, so the same files.
    @Test func anEndpointAndALocalCheckpointWriteTheSameFiles() throws {
        let server = try ServerProcess(arguments: ["--quiet"])
        try expectEndpointAndLocalAgree(server: server, maxTokens: 20)
    }

    /// In a context too short for some calls, the server refuses them (a 400 naming the context length and
    /// the prompt's tokens) and the run asks again for the room there is, or gets an empty reply where the
    /// prompt alone fills the context, as in process: the same files, no stopped run.
    @Test func callsLongerThanTheContextGetTheRoomThereIsAtAnEndpointAsInProcess() throws {
        let model = try ServerProcess.checkpointCopy(of: "qwen2-gqa-tied", positions: 1100)
        let server = try ServerProcess(
            executable: CommandRunner.binary("spark-server"), arguments: ["--model", model, "--port", "0"],
            environment: [:], modelDirectory: model)
        try expectEndpointAndLocalAgree(server: server, maxTokens: 200)
        _ = server.terminate()
        let refusals = server.log.components(separatedBy: "/v1/chat/completions\" 400 ").count - 1
        #expect(refusals > 0, "no call was refused: the context no longer cuts any")
    }

    private func expectEndpointAndLocalAgree(server: ServerProcess, maxTokens: Int) throws {
        let directory = AggregationTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let common = [
            "synth", "--world-problems", "2", "--solutions", "2", "--verifications", "2", "--max-tokens",
            "\(maxTokens)", "--methods", "single,step,critique",
        ]
        let url = "http://127.0.0.1:\(server.port)/v1"
        let viaEndpoint = try CommandRunner.run(
            "spark-train",
            common + [
                "--generator-endpoint", url, "--generator-model", server.modelDirectory, "--verifier-endpoint", url,
                "--verifier-model", server.modelDirectory, "--out", directory + "/endpoint",
            ])
        #expect(viaEndpoint.status == 0, "\(viaEndpoint.errorOutput)")
        let inProcess = try CommandRunner.run(
            "spark-train",
            common + [
                "--generator", server.modelDirectory, "--verifier", server.modelDirectory, "--out",
                directory + "/local",
            ])
        #expect(inProcess.status == 0, "\(inProcess.errorOutput)")
        for file in ["solutions.jsonl", "verifications.jsonl", "step/labels.jsonl", "critique/prm_cot.jsonl"] {
            #expect(
                try String(contentsOfFile: directory + "/endpoint/" + file, encoding: .utf8)
                    == String(contentsOfFile: directory + "/local/" + file, encoding: .utf8), "\(file)")
        }
    }

    @Test func mistakesPrintTheUsage() throws {
        let outcome = try CommandRunner.run("spark-train", ["synth", "--out", "/tmp/unused", "--world-problems", "1"])
        #expect(outcome.status == 2)
        #expect(
            outcome.errorOutput.contains(
                "give --generator DIR, or --generator-endpoint URL with --generator-model NAME"))
        let world = try CommandRunner.run(
            "spark-train",
            [
                "synth", "--out", "/tmp/unused", "--world-problems", "1", "--world-operations", "multiply",
                "--generator", "/x", "--verifier", "/x",
            ])
        #expect(world.status == 2 && world.errorOutput.contains("math world settings: operations must include add"))
        let limit = try CommandRunner.run(
            "spark-train",
            [
                "synth", "--out", "/tmp/unused", "--world-problems", "1", "--world-limit", "50", "--generator", "/x",
                "--verifier", "/x",
            ])
        #expect(
            limit.status == 2
                && limit.errorOutput.contains(
                    "the value limit 50 leaves no room to multiply the largest start value or a group")
        )
        let zero = try CommandRunner.run(
            "spark-train", ["synth", "--out", "/tmp/unused", "--world-problems", "1", "--world-limit", "0"])
        #expect(zero.status == 2 && zero.errorOutput.contains("option '--world-limit': '0' is not positive"))
        let help = try CommandRunner.run("spark-train", ["synth", "--help"])
        #expect(help.status == 0 && help.output.contains("--verifier-endpoint URL"))
    }
}
