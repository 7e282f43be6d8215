import Foundation
import JSON
import Synthesis
import Testing

/// A run that stops and restarts, endpoints that fail, and input files that are wrong.
@Suite struct ResumeAndRetryTests {
    typealias Scenario = AggregationScenario

    static let outputFiles = [
        "solutions.jsonl", "verifications.jsonl", "stats.json", "step/prm_cot.jsonl", "critique/labels.jsonl",
        "critique-outcome/prm.jsonl", "reference/trl.jsonl", "outcome/orm.jsonl", "single/labels.jsonl",
    ]

    @Test func aRestartedRunAsksOnlyForWhatIsMissingAndWritesTheSameFiles() throws {
        let whole = AggregationTests.temporaryDirectory()
        let resumed = AggregationTests.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: whole)
            try? FileManager.default.removeItem(atPath: resumed)
        }
        let first = try ScriptedEndpoint(replies: Scenario.replies(seed: 0))
        _ = try AggregationTests.run(first, directory: whole)
        // A run killed after 20 replies, in the middle of writing the 21st.
        let journal = try String(contentsOfFile: whole + "/calls.jsonl", encoding: .utf8)
        let lines = journal.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == first.received.count + 1)
        try FileManager.default.createDirectory(atPath: resumed, withIntermediateDirectories: true)
        let cut = lines.prefix(20).joined(separator: "\n") + "\n" + lines[20].prefix(30)
        try cut.write(toFile: resumed + "/calls.jsonl", atomically: true, encoding: .utf8)

        let second = try ScriptedEndpoint(replies: Scenario.replies(seed: 0))
        _ = try AggregationTests.run(second, directory: resumed)
        #expect(second.received.count == first.received.count - 20)
        for file in Self.outputFiles {
            #expect(
                try String(contentsOfFile: whole + "/" + file, encoding: .utf8)
                    == String(contentsOfFile: resumed + "/" + file, encoding: .utf8), "\(file)")
        }
        // A third start finds every reply in the journal.
        let third = try ScriptedEndpoint(replies: [:])
        _ = try AggregationTests.run(third, directory: resumed)
        #expect(third.received.isEmpty)
    }

    @Test func failuresThatMayPassAreRetriedWithBackoff() throws {
        let generation = ModelCall.seed(run: 0, place: "generate/0/1")
        let verification = ModelCall.seed(run: 0, place: "verify/0/2/3")
        let endpoint = try ScriptedEndpoint(
            replies: Scenario.replies(seed: 0),
            failures: [
                generation: [.init(status: 503), .init(status: 429, retryAfter: "0")],
                verification: [.init(status: 500)],
            ])
        let directory = AggregationTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try AggregationTests.run(endpoint, directory: directory, methods: [.step])
        #expect(endpoint.received.filter { $0.seed == generation }.count == 3)
        #expect(endpoint.received.filter { $0.seed == verification }.count == 2)
        #expect(outcome.labels[.step]!.map(\.firstError) == [-1, 1, 1, -1])
    }

    @Test func aRunGivesUpAfterItsRetriesAndAtOnceOnARefusal() throws {
        let generation = ModelCall.seed(run: 0, place: "generate/0/0")
        let directory = AggregationTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let busy = try ScriptedEndpoint(
            replies: Scenario.replies(seed: 0), failures: [generation: Array(repeating: .init(status: 503), count: 5)])
        #expect {
            try AggregationTests.run(busy, directory: directory, retries: 2)
        } throws: { error in
            "\(error)".contains("no reply after 3 attempts; the last: status 503")
        }
        #expect(busy.received.filter { $0.seed == generation }.count == 3)
        let refusing = try ScriptedEndpoint(
            replies: Scenario.replies(seed: 0), failures: [generation: [.init(status: 400)]])
        #expect {
            try AggregationTests.run(refusing, directory: directory)
        } throws: { error in
            "\(error)".contains("answered 400")
        }
        #expect(refusing.received.filter { $0.seed == generation }.count == 1)
    }

    @Test func aBadProblemLineNamesFileLineAndField() throws {
        let path = NSTemporaryDirectory() + "problems-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        func load(_ text: String) throws -> [SynthesisProblem] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return try SynthesisProblem.load(path)
        }
        let problems = try load(
            "{\"problem\": \"1 + 1?\", \"answer\": 2}\n\n{\"problem\": \"2 + 2?\", \"id\": \"b\"}\n")
        #expect(problems.map(\.answer) == ["2", nil] && problems.map(\.id) == ["1", "b"])
        let cases = [
            ("{\"problem\": \"ok\"}\n{\"problem\": \"ok\"\n", "line 2: "),
            ("{\"problem\": \"ok\"}\n{\"question\": \"ok\"}\n", "line 2: field 'problem' must be a non-empty string"),
            ("{\"problem\": \"ok\", \"answer\": [1]}\n", "line 1: field 'answer' must be a string or a number, found"),
            ("[1, 2]\n", "line 1: expected a JSON object, found"),
        ]
        #expect {
            try SynthesisProblem.load(path + ".missing")
        } throws: { error in
            "\(error)" == path + ".missing: cannot open: No such file or directory"
        }
        for (text, message) in cases {
            #expect {
                try load(text)
            } throws: { error in
                "\(error)".hasPrefix(path + ": " + message)
            }
        }
    }

    @Test func aCorruptJournalLineNamesItsLine() throws {
        let directory = AggregationTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "{\"call\": \"a\", \"reply\": \"b\"}\n{\"call\": 1}\n".write(
            toFile: directory + "/calls.jsonl", atomically: true, encoding: .utf8)
        #expect(
            throws: SynthesisError.badLine(
                file: directory + "/calls.jsonl", line: 2, reason: "expected {\"call\": string, \"reply\": string}")
        ) {
            try CallJournal(path: directory + "/calls.jsonl")
        }
    }

    @Test func aMethodNamedTwiceIsRefused() throws {
        let endpoint = try ScriptedEndpoint(replies: [:])
        #expect(throws: SynthesisError.configuration("a method is named twice")) {
            try AggregationTests.run(endpoint, directory: "/nonexistent/unused", methods: [.step, .single, .step])
        }
    }

    @Test func endpointURLs() throws {
        #expect(try EndpointBackend(url: "http://gpu-7:8000/v1", model: "m").path == "/v1/chat/completions")
        #expect(try EndpointBackend(url: "http://gpu-7:8000", model: "m").path == "/v1/chat/completions")
        #expect(try EndpointBackend(url: "http://gpu-7/openai/v1/", model: "m").port == 80)
        #expect(throws: SynthesisError.self) { try EndpointBackend(url: "https://api.example.com/v1", model: "m") }
    }
}
