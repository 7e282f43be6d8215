// spark-server without --model: it serves $SPARK_MODEL, or the shipped PRM-CoT installed beside the
// binary (the container image's layout) or in the package's models/spark-prm-cot.

import Foundation
import HTTPClient
import JSON
import TestSupport
import Testing

@Suite struct DefaultModelTests {
    @Test func aMissingEnvironmentModelIsNamed() throws {
        let outcome = try CommandRunner.run(
            "spark-server", ["--port", "0"], environment: ["SPARK_MODEL": "/nonexistent/spark-model"])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("SPARK_MODEL names /nonexistent/spark-model, which is not a directory"))
    }

    /// The image's layout: bin/spark-server and share/spark/spark-prm-cot side by side.
    @Test func theModelInstalledBesideTheBinaryIsServed() throws {
        let root = NSTemporaryDirectory() + "spark-install-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/share/spark", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: CommandRunner.binary("spark-server").path, toPath: root + "/bin/spark-server")
        let installed = root + "/share/spark/spark-prm-cot"
        try FileManager.default.moveItem(atPath: ServerProcess.checkpointCopy(of: "qwen2-gqa-tied"), toPath: installed)
        let server = try ServerProcess(
            executable: URL(fileURLWithPath: root + "/bin/spark-server"), arguments: ["--port", "0", "--quiet"],
            environment: [:], modelDirectory: installed)
        let models = try HTTPConnection(port: server.port).send("GET", "/v1/models")
        #expect(models.status == 200)
        #expect(models.text.contains(installed), "\(models.text)")
    }

    /// The shipped PRM-CoT (models/spark-prm-cot), served when no model is named: SPARK's client (the
    /// PRM prompt as one user message, greedy) gets what transformers writes
    /// (`scripts/make_shipped_model_golden.py`), and /v1/verify and /v1/reward judge the README's
    /// examples, a correct solution and one whose step 2 adds wrong.
    @Test func theShippedModelIsServedAndWritesWhatTransformersWrites() throws {
        let golden = try #require(
            try JSONValue.parse(FileReader.bytes(Fixtures.root + "/shipped-model/replies.json")).objectValue)
        let shipped = CommandRunner.packageRoot.appendingPathComponent("models/spark-prm-cot").path
        let server = try ServerProcess(
            executable: CommandRunner.binary("spark-server"), arguments: ["--port", "0", "--quiet"], environment: [:],
            modelDirectory: shipped, ownsModelDirectory: false)
        let connection = HTTPConnection(port: server.port)
        let models = try connection.send("GET", "/v1/models")
        #expect(models.text.contains(shipped), "\(models.text)")

        let cases = try #require(golden["cases"]?.arrayValue?.compactMap { $0.objectValue })
        #expect(cases.count == 2)
        var replies: [String] = []
        for goldenCase in cases {
            let prompt = try #require(goldenCase["prompt"]?.stringValue)
            let chat = try post(
                connection, "/v1/chat/completions",
                JSONValue.object([
                    "model": .string(shipped), "temperature": .int(0), "top_p": .double(0.95), "max_tokens": .int(4096),
                    "messages": .array([.object(["role": .string("user"), "content": .string(prompt)])]),
                ]).serialized)
            #expect(chat.status == 200, "\(chat.response.text)")
            let choice = chat.json?["choices"]?.arrayValue?.first?.objectValue
            let reply = try #require(choice?["message"]?.objectValue?["content"]?.stringValue)
            #expect(
                reply == goldenCase["reply"]?.stringValue,
                "checkpoint \(golden["model_sha256"]!); if models/spark-prm-cot changed, run scripts/make_shipped_model_golden.py"
            )
            replies.append(reply)
        }

        let items = cases.map { JSONValue.object(["problem": $0["problem"]!, "steps": $0["steps"]!]) }
        let verify = try post(connection, "/v1/verify", JSONValue.object(["items": .array(items)]).serialized)
        let verified = try #require(verify.json?["items"]?.arrayValue?.compactMap { $0.objectValue })
        #expect(verified.map { $0["first_error"]?.intValue } == [-1, 1])
        #expect(verified.map { $0["outcome"]?.stringValue } == ["yes", "no"])
        #expect(verified.map { $0["verifications"]?.arrayValue?.first?.stringValue } == replies)

        let responses = cases.map { goldenCase in
            let steps = goldenCase["steps"]!.arrayValue!.compactMap { $0.stringValue }
            let lines = steps.enumerated().map { "Step \($0.offset + 1): \($0.element)" }
            let answer = String(steps.last!.split(separator: " ").dropLast().last!)
            return JSONValue.string((lines + ["Answer: " + answer]).joined(separator: "\n"))
        }
        let reward = try post(
            connection, "/v1/reward",
            JSONValue.object([
                "format": .string("steps"), "design": .string("step_augmented_hybrid"),
                "groups": .array([.object(["problem": cases[0]["problem"]!, "responses": .array(responses)])]),
            ]).serialized)
        let rewarded = try #require(reward.json?["items"]?.arrayValue?.compactMap { $0.objectValue })
        #expect(rewarded.map { $0["status"]?.stringValue } == ["ok", "ok"])
        #expect(rewarded.map { $0["outcome"]?.stringValue } == ["yes", "no"])
        let scores = rewarded.compactMap { $0["score"]?.doubleValue }
        // SPARK's step-augmented hybrid, 0.4 × k/n + 0.6 × y: both steps and Yes; one step of two and No.
        #expect(scores.count == 2 && scores[0] == 1 && abs(scores[1] - 0.2) < 1e-12, "\(scores)")
    }
}
