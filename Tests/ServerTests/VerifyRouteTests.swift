import Foundation
import HTTPClient
import HTTPServer
import JSON
import Model
import Scheduler
import Server
import TestSupport
import Testing

/// An APIServer in this process, over real HTTP on loopback, serving a scripted reward model.
final class InProcessServer: @unchecked Sendable {
    let http: HTTPServer
    let scheduler: Scheduler
    let tokenizer: Tokenizer
    let model: ScriptedModel

    init(
        replies: [(String, String)], forwardDelay: Duration = .zero,
        configuration: SchedulerConfiguration = SchedulerConfiguration(kvCacheBlocks: 4096),
        options: ServerOptions = ServerOptions()
    ) throws {
        tokenizer = try Tokenizer(contentsOfFile: Fixtures.root + "/tokenizers/qwen-real/tokenizer.json")
        model = ScriptedModel(tokenizer: tokenizer, replies: replies, forwardDelay: forwardDelay)
        scheduler = Scheduler(model: model, tokenizer: tokenizer, configuration: configuration)
        let served = ServedModel(
            names: ["scripted-prm"], tokenizer: tokenizer, chatTemplate: .chatML(defaultSystemPrompt: nil),
            contextLength: model.contextLength, vocabularySize: model.vocabularySize,
            endOfSequenceIds: [model.endOfSequence])
        var options = options
        options.accessLog = false
        let api = APIServer(options: options)
        api.becomeReady(ServingRuntime(model: served, scheduler: scheduler))
        var httpOptions = HTTPServerOptions()
        httpOptions.port = 0
        http = HTTPServer(options: httpOptions, handler: api)
        try http.start()
    }

    deinit {
        http.stop()
        scheduler.shutdown(drain: false)
    }

    func post(_ path: String, _ body: JSONValue, headers: [(String, String)] = []) throws -> JSONObject {
        let response = try HTTPConnection(port: http.port).send(
            "POST", path, headers: [("Content-Type", "application/json")] + headers,
            body: Array(body.serialized.utf8))
        guard response.status == 200, let object = try JSONValue.parse(response.body).objectValue else {
            throw CommandRunner.Failure(description: "\(response.status): \(response.text)")
        }
        return object
    }
}

@Suite struct VerifyRouteTests {
    static let rightReply = """
        ## Step 1: Adding the numbers
        2 + 3 is 5, as written.
        **This step is correct.**

        ## Step 2: The answer
        The answer 5 follows.
        **This step is correct.**

        **Verification: Is the answer correct (Yes/No)? Yes**
        """
    static let wrongReply = """
        ## Step 1: Adding the numbers
        2 + 3 is 5.
        **This step is correct.**

        ## Step 2: The answer
        The solution says 6, which does not follow.
        **This step is incorrect.**

        **Verification: Is the answer correct (Yes/No)? No**
        """

    /// A reply that writes no verdict word at either slot; the verdict words get no more weight than
    /// any other token there.
    static let offWordReply = """
        ## Step 1: Adding the numbers
        Hard to say.
        **This step is maybe.**

        **Verification: Is the answer correct (Yes/No)? Maybe**
        """

    /// One server for the suite: loading the 151k-token tokenizer is the slow part.
    static let sharedServer = try! InProcessServer(replies: [
        ("2 + 3 = 6", wrongReply), ("2 + 3 = 5", rightReply), ("2 + 3 = 7", offWordReply), ("Yes or no?", "Yes"),
        ("", "I am not sure what to say."),
    ])

    var server: InProcessServer { Self.sharedServer }

    func item(_ problem: String, _ steps: [String]) -> JSONValue {
        .object(["problem": .string(problem), "steps": .array(steps.map { .string($0) })])
    }

    func items(_ body: JSONObject) throws -> [JSONObject] {
        try #require(body["items"]?.arrayValue).map { try #require($0.objectValue) }
    }

    func close(_ value: JSONValue?, _ expected: Double) -> Bool {
        guard let number = value?.doubleValue else { return false }
        return abs(number - expected) < 1e-4
    }

    @Test func stepVerdictsFirstErrorAndVerdictProbabilities() throws {
        let body = try server.post(
            "/v1/verify",
            .object([
                "items": .array([
                    item("What is 2 + 3?", ["2 + 3 = 5", "The answer is 5."]),
                    item("What is 2 + 3?", ["2 + 3 = 5", "So 2 + 3 = 6."]),
                ])
            ]))
        let (right, wrong) = (try items(body)[0], try items(body)[1])
        #expect(right["status"] == .string("ok"))
        #expect(right["outcome"] == .string("yes"))
        #expect(right["score"] == .double(1))
        #expect(right["first_error"] == .int(-1))
        #expect(close(right["p_yes"], 0.9))
        let rightSteps = try #require(right["steps"]?.arrayValue).map { $0.objectValue! }
        #expect(rightSteps.map { $0["verdict"] } == [.string("correct"), .string("correct")])
        #expect(rightSteps.allSatisfy { close($0["p_correct"], 0.75) })

        #expect(wrong["outcome"] == .string("no"))
        #expect(wrong["score"] == .double(0))
        #expect(wrong["first_error"] == .int(1))
        #expect(close(wrong["p_yes"], 0.2))
        let wrongSteps = try #require(wrong["steps"]?.arrayValue).map { $0.objectValue! }
        #expect(close(wrongSteps[0]["p_correct"], 0.75))
        #expect(close(wrongSteps[1]["p_correct"], 0.2))
        #expect(wrong["verifications"]?.arrayValue?.first == .string(Self.wrongReply))
    }

    @Test func constrainedVerdictSlotsAlwaysHoldAVerdictWord() throws {
        let probe = item("What is 2 + 3?", ["2 + 3 = 7"])
        let constrained = try items(try server.post("/v1/verify", .object(["items": .array([probe])])))[0]
        // The model gave every token the same logit there, so each verdict is a tie broken by the lower
        // token id (" correct" before " incorrect", " No" before " Yes"), and each P is one half.
        #expect(constrained["status"] == .string("ok"))
        // The step aggregate: no step is incorrect, so the outcome is yes whatever the final verdict says.
        #expect(constrained["outcome"] == .string("yes"))
        let steps = try #require(constrained["steps"]?.arrayValue).map { $0.objectValue! }
        #expect(steps.map { $0["verdict"] } == [.string("correct")])
        #expect(close(steps[0]["p_correct"], 0.5))
        #expect(close(constrained["p_yes"], 0.5))
        #expect(
            constrained["verifications"]?.arrayValue?.first?.stringValue?.hasSuffix(
                "**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? No**") == true)
        let slots: JSONValue = .object(["total": .int(2), "most_likely_not_a_verdict": .int(2)])
        #expect(constrained["verdict_slots"] == slots)

        let free = try items(
            try server.post(
                "/v1/verify", .object(["items": .array([probe]), "constrain_verdicts": .bool(false)])))[0]
        #expect(free["status"] == .string("unparseable"))
        #expect(free["verifications"]?.arrayValue?.first == .string(Self.offWordReply))
        #expect(free["verdict_slots"] == slots)
    }

    @Test func anUnparseableReplySaysSoAndScoresNull() throws {
        let body = try server.post("/v1/verify", .object(["items": .array([item("Something else", ["a", "b"])])]))
        let entry = try items(body)[0]
        #expect(entry["status"] == .string("unparseable"))
        #expect(entry["score"] == .null)
        #expect(entry["outcome"] == .null)
        #expect(entry["parse_ok"] == .bool(false))
    }

    @Test func nVerificationsVoteAndShareTheirPrompt() throws {
        let body = try server.post(
            "/v1/verify",
            .object([
                "items": .array([item("What is 2 + 3?", ["2 + 3 = 5", "So 2 + 3 = 6."])]), "n": .int(8),
                "temperature": .int(0),
            ]))
        let entry = try items(body)[0]
        #expect(entry["verifications"]?.arrayValue?.count == 8)
        #expect(entry["outcome_votes"]?.objectValue?["no"] == .int(8))
        let steps = try #require(entry["steps"]?.arrayValue).map { $0.objectValue! }
        #expect(steps.map { $0["vote_share"] } == [.double(1), .double(0)])
        // Eight sequences with one prompt: the prompt was computed once, the rest came from the cache.
        #expect(server.scheduler.statistics.prefixCacheHitTokens > 0)
    }

    @Test func anORMReadsItsFirstToken() throws {
        let body = try server.post(
            "/v1/verify",
            .object([
                "items": .array([.object(["problem": .string("Yes or no?"), "solution": .string("yes")])]),
                "variant": .string("orm"),
            ]))
        let entry = try items(body)[0]
        #expect(entry["status"] == .string("ok"))
        #expect(entry["outcome"] == .string("yes"))
        #expect(close(entry["p_yes"], 0.9))
    }

    @Test func anItemScoresTheSameAloneAndInABatchOf64() throws {
        let probe = item("What is 2 + 3?", ["2 + 3 = 5", "So 2 + 3 = 6."])
        var alone = try items(try server.post("/v1/verify", .object(["items": .array([probe])])))[0]
        var many: [JSONValue] = (0..<63).map { item("What is 2 + 3? (\($0))", ["2 + 3 = 5", "The answer is 5."]) }
        many.insert(probe, at: 17)
        let batch = try items(try server.post("/v1/verify", .object(["items": .array(many)])))
        var inBatch = batch[17]
        inBatch["index"] = alone["index"]
        // What the prefix cache served depends on the neighbours; nothing else may.
        #expect(
            inBatch["usage"]?.objectValue?["completion_tokens"] == alone["usage"]?.objectValue?["completion_tokens"])
        inBatch["usage"] = nil
        alone["usage"] = nil
        #expect(inBatch == alone)
        #expect(batch.filter { $0["outcome"] == .string("yes") }.count == 63)
    }

    @Test(arguments: [
        (#"{"items": []}"#, "'items' is required"),
        (#"{"items": [{"steps": ["a"]}]}"#, "'items[0].problem' is required"),
        (#"{"items": [{"problem": "p", "steps": ["a"], "solution": "s"}]}"#, "give exactly one of 'items[0].steps'"),
        (#"{"items": [{"problem": "p", "solution": "s"}], "variant": "rm"}"#, "'variant' must be prm_cot, prm or orm"),
        (
            #"{"items": [{"problem": "p", "solution": "s"}], "aggregate": "mean"}"#,
            "'aggregate' must be step or outcome"
        ),
    ])
    func badRequestsNameTheField(body: String, message: String) throws {
        let response = try HTTPConnection(port: server.http.port).send("POST", "/v1/verify", body: Array(body.utf8))
        #expect(response.status == 400)
        #expect(response.text.contains(message), "\(response.text)")
    }
}
