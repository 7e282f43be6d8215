import Model
import TestSupport
import Testing
import Training

/// SFT data: what is rendered, what is trained, and what a bad line is told.
@Suite struct SFTExampleTests {
    let tokenizer: Tokenizer
    let template: ChatTemplate

    init() throws {
        let checkpoint = try Checkpoint(directory: Fixtures.model("qwen2-gqa-tied"))
        tokenizer = try Tokenizer(contentsOfFile: checkpoint.tokenizerPath!)
        template = try ChatTemplate.recognise(checkpoint.tokenizerConfig.chatTemplate)
    }

    @Test func onlyAssistantContentAndItsEndTokenAreTrained() throws {
        let lines = """
            {"prompt": "2+3=", "completion": "5"}
            {"messages": [{"role": "system", "content": "Add."}, {"role": "user", "content": "1+1"}, {"role": "assistant", "content": "2"}, {"role": "user", "content": "2+2"}, {"role": "assistant", "content": "4 indeed"}]}
            """
        let examples = try SFTExample.parse(
            lines, file: "data.jsonl", template: template, tokenizer: tokenizer, endOfSequence: nil)
        #expect(examples.count == 2)
        let conversations = [
            [ChatMessage(role: "user", content: "2+3="), ChatMessage(role: "assistant", content: "5")],
            [
                ChatMessage(role: "system", content: "Add."), ChatMessage(role: "user", content: "1+1"),
                ChatMessage(role: "assistant", content: "2"), ChatMessage(role: "user", content: "2+2"),
                ChatMessage(role: "assistant", content: "4 indeed"),
            ],
        ]
        let trainedTexts = [["5<|im_end|>"], ["2<|im_end|>", "4 indeed<|im_end|>"]]
        for (example, (messages, trained)) in zip(examples, zip(conversations, trainedTexts)) {
            // The tokens are the template's rendering (with its default system turn for the first).
            #expect(tokenizer.decode(example.tokens) == template.render(messages, addGenerationPrompt: false))
            var runs: [String] = []
            var current: [Int32] = []
            for (token, isTrained) in zip(example.tokens, example.trainable) {
                if isTrained {
                    current.append(token)
                } else if !current.isEmpty {
                    runs.append(tokenizer.decode(current))
                    current = []
                }
            }
            if !current.isEmpty { runs.append(tokenizer.decode(current)) }
            #expect(runs == trained)
        }
    }

    @Test func rawModeTrainsTheCompletionAndTheEndOfSequence() throws {
        let examples = try SFTExample.parse(
            #"{"prompt": "Q: 7*6? A:", "completion": " 42"}"#, file: "data.jsonl", template: .raw,
            tokenizer: tokenizer, endOfSequence: 600)
        let example = try #require(examples.first)
        #expect(example.tokens.last == 600)
        let trained = zip(example.tokens, example.trainable).filter(\.1).map(\.0)
        #expect(tokenizer.decode(trained) == " 42<|endoftext|>")
    }

    @Test(arguments: [
        (#"{"prompt": "a"}"#, "'completion' is missing"),
        (#"{"prompt": 3, "completion": "x"}"#, "'prompt' must be a string, found an integer"),
        (#"{"text": "a"}"#, "expected 'prompt' and 'completion', or 'messages'"),
        (#"{"messages": [{"role": "user", "content": "hi"}]}"#, "'messages' has no assistant message to train on"),
        (#"{"messages": [{"role": "user"}]}"#, "messages[0] must be an object with string 'role' and 'content'"),
        (#"[1, 2]"#, "expected a JSON object, found an array"),
        (#"{"prompt": "#, "not valid JSON"),
    ])
    func badLinesNameTheLineAndTheField(line: String, problem: String) {
        let text = #"{"prompt": "fine", "completion": "ok"}"# + "\n\n" + line + "\n"
        #expect(throws: TrainingDataError.badLine(file: "data.jsonl", line: 3, problem: problem)) {
            try SFTExample.parse(text, file: "data.jsonl", template: template, tokenizer: tokenizer, endOfSequence: nil)
        }
    }
}
