// Supervised fine-tuning data: JSONL lines `{"prompt": ..., "completion": ...}` or
// `{"messages": [{"role": ..., "content": ...}, ...]}`, rendered with the checkpoint's chat template
// and tokenized, with the loss on the completion / assistant tokens only.
//
// Under ChatML an assistant turn trains its content and the closing <|im_end|> (so the model learns
// to stop), never the role header; a prompt/completion pair is the user turn and the assistant turn.
// In raw mode the completion and the end-of-sequence token are trained. The rendered text is the
// template's own (ChatTemplate.render; SFTExampleTests checks the two agree), cut into spans that are
// tokenized one by one so that every token belongs to exactly one span.

import JSON
import Model

public struct SFTExample: Sendable, Equatable {
    /// Token ids of the whole rendered conversation.
    public var tokens: [Int32]
    /// Whether predicting tokens[i] (from the tokens before it) is trained; trainable[0] is false.
    public var trainable: [Bool]

    /// Every example of a JSONL text read from `file` (named in errors); blank lines are skipped.
    public static func parse(
        _ text: String, file: String, template: ChatTemplate, tokenizer: Tokenizer, endOfSequence: Int32?
    ) throws(TrainingDataError) -> [SFTExample] {
        var examples: [SFTExample] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            let number = index + 1
            func fail(_ problem: String) -> TrainingDataError {
                .badLine(file: file, line: number, problem: problem)
            }
            guard let value = try? JSONValue.parse(String(line)) else { throw fail("not valid JSON") }
            guard let object = value.objectValue else { throw fail("expected a JSON object, found \(value.kindName)") }
            let messages = try messages(of: object, fail: fail)
            let spans = Self.spans(messages, template: template)
            var example = SFTExample(tokens: [], trainable: [])
            for span in spans {
                let ids = tokenizer.encode(span.text)
                example.tokens += ids
                example.trainable += Array(repeating: span.trainable, count: ids.count)
            }
            if case .raw = template, let endOfSequence {
                example.tokens.append(endOfSequence)
                example.trainable.append(true)
            }
            if !example.trainable.isEmpty { example.trainable[0] = false }
            examples.append(example)
        }
        return examples
    }

    /// The conversation a line stands for.
    static func messages(of object: JSONObject, fail: (String) -> TrainingDataError) throws(TrainingDataError)
        -> [ChatMessage]
    {
        if let list = object["messages"] {
            guard let items = list.arrayValue, !items.isEmpty else {
                throw fail("'messages' must be a non-empty array, found \(list.kindName)")
            }
            var messages: [ChatMessage] = []
            for (index, item) in items.enumerated() {
                guard let message = item.objectValue, let role = message["role"]?.stringValue,
                    let content = message["content"]?.stringValue
                else {
                    throw fail("messages[\(index)] must be an object with string 'role' and 'content'")
                }
                messages.append(ChatMessage(role: role, content: content))
            }
            guard messages.contains(where: { $0.role == "assistant" }) else {
                throw fail("'messages' has no assistant message to train on")
            }
            return messages
        }
        guard let prompt = object["prompt"] else { throw fail("expected 'prompt' and 'completion', or 'messages'") }
        guard let promptText = prompt.stringValue else {
            throw fail("'prompt' must be a string, found \(prompt.kindName)")
        }
        guard let completion = object["completion"] else { throw fail("'completion' is missing") }
        guard let completionText = completion.stringValue else {
            throw fail("'completion' must be a string, found \(completion.kindName)")
        }
        return [
            ChatMessage(role: "user", content: promptText), ChatMessage(role: "assistant", content: completionText),
        ]
    }

    struct Span: Equatable {
        var text: String
        var trainable: Bool
    }

    /// The rendered conversation cut into trained and untrained spans; their concatenation is
    /// `template.render(messages, addGenerationPrompt: false)`.
    static func spans(_ messages: [ChatMessage], template: ChatTemplate) -> [Span] {
        switch template {
        case .raw:
            return messages.map { Span(text: $0.content, trainable: $0.role == "assistant") }
        case .chatML:
            var spans: [Span] = []
            var rendered: [ChatMessage] = []
            for message in messages {
                // What the template adds for this message (a default system turn before the first).
                let before = rendered.isEmpty ? "" : template.render(rendered, addGenerationPrompt: false)
                rendered.append(message)
                let full = template.render(rendered, addGenerationPrompt: false)
                let added = String(decoding: full.utf8.dropFirst(before.utf8.count), as: UTF8.self)
                guard message.role == "assistant", let content = added.firstRange(of: message.content + "<|im_end|>")
                else {
                    spans.append(Span(text: added, trainable: false))
                    continue
                }
                spans.append(Span(text: String(added[..<content.lowerBound]), trainable: false))
                spans.append(Span(text: String(added[content]), trainable: true))
                spans.append(Span(text: String(added[content.upperBound...]), trainable: false))
            }
            return spans.filter { !$0.text.isEmpty }
        }
    }
}
