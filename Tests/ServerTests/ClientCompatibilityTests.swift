import Foundation
import JSON
import TestSupport
import Testing

/// The two ways RL code asks a reward server today, against the same server and the same responses:
/// SPARK's verl reward function (openai client, chat completions, its own regexes) and OpenRLHF's
/// remote reward client (/get_reward, one sample per request, retries). They must agree.
@Suite struct ClientCompatibilityTests {
    func run(_ script: String, _ arguments: [String], input: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", CommandRunner.packageRoot.appendingPathComponent("examples/" + script).path] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(script) failed")
        return output.split(separator: "\n").map(String.init)
    }

    @Test func sparkStyleAndOpenRLHFStyleClientsGetTheSameRewards() throws {
        let server = RewardRouteTests.server
        let items: [(String, String)] = [
            ("Right: what is 2 + 3?", RewardRouteTests.response(steps: 4)),
            ("Wrong: what is 2 + 3?", RewardRouteTests.response(steps: 4)),
            ("Right: what is 2 + 3?", RewardRouteTests.response(steps: 4, answer: "\\boxed{5}, \\boxed{6}")),
            ("Right: what is 2 + 3?", RewardRouteTests.response(steps: 4, tail: " Also 1 + 1 = 2.")),
        ]
        let input = items.map {
            JSONValue.object(["problem": .string($0.0), "response": .string($0.1)]).serialized
        }.joined(separator: "\n")
        let base = "http://127.0.0.1:\(server.http.port)"
        let spark = try run(
            "spark_verl_reward_function.py", ["--base-url", base + "/v1", "--model", "scripted-prm"], input: input)
        let openRLHF = try run("openrlhf_remote_reward.py", ["--url", base + "/get_reward"], input: input)
        #expect(spark.compactMap(Double.init) == [1, 0, 0, 0])
        #expect(openRLHF.compactMap(Double.init) == [1, 0, 0, 0])
    }
}

/// examples/spark_reward_adapters.py, the verl and TRL reward functions, against a real server: the
/// batch goes as GRPO groups, and an unjudged sample reaches each trainer as that trainer expects.
@Suite struct RewardAdapterTests {
    @Test func verlGetsAScoreAndAStatusAndTRLGetsNoneForUnjudgedSamples() throws {
        let server = RewardRouteTests.server
        let response = RewardRouteTests.response(steps: 4)
        let items: [(String, String)] = [
            ("Right: what is 2 + 3?", response), ("Wrong: what is 2 + 3?", response),
            ("Right: what is 2 + 3?", RewardRouteTests.response(steps: 4, tail: " Also 1 + 1 = 2.")),
            ("Lost: what is 2 + 3?", response),
        ]
        let input = items.map {
            JSONValue.object(["problem": .string($0.0), "response": .string($0.1)]).serialized
        }.joined(separator: "\n")
        let lines = try ClientCompatibilityTests().run(
            "spark_reward_adapters.py", ["--url", "http://127.0.0.1:\(server.http.port)"], input: input)
        let results = try lines.map { try #require(try JSONValue.parse(Array($0.utf8)).objectValue) }
        try #require(results.count == 4)
        let verl = results.map { $0["verl"]?.objectValue ?? [:] }
        #expect(verl.map { $0["score"] } == [.double(1), .double(0), .double(0), .double(0)])
        #expect(verl.map { $0["judged"] } == [.double(1), .double(1), .double(1), .double(0)])
        #expect(
            verl.map { $0["status"] }
                == [.string("ok"), .string("ok"), .string("format_rejected"), .string("unparseable")])
        #expect(results.map { $0["trl"] } == [.double(1), .double(0), .double(0), .null])
    }
}
