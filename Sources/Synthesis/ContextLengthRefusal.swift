// An endpoint's 400 saying that a call's prompt plus max_tokens do not fit the model's context, read from
// its message as vLLM (both wordings it has used), OpenAI and spark-server write it:
//
//   This model's maximum context length is 4096 tokens. However, you requested 4118 tokens (3118 in the
//   messages, 1000 in the completion). …
//   'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length is
//   4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778).
//   this model's context length is 2048 tokens, but the prompt has 1900 and max_tokens asks for 400 more; …
//
// Stage I then asks again for the room the context leaves, as the in-process backend does, instead of
// one long meta-critique prompt stopping a run of thousands of calls.

import JSON

struct ContextLengthRefusal {
    /// The model's context length, where the message gives it.
    let contextLength: Int?
    /// The tokens of the call's prompt, where the message gives them.
    let promptTokens: Int?

    /// nil unless `body` is a 400 about the context length.
    init?(status: Int, body: [UInt8]) {
        guard status == 400, let error = (try? JSONValue.parse(body))?.objectValue?["error"] else { return nil }
        let fields = error.objectValue
        let message = (fields?["message"]?.stringValue ?? error.stringValue ?? "").lowercased()
        guard message.contains("context length") || fields?["code"]?.stringValue == "context_length_exceeded" else {
            return nil
        }
        contextLength = Self.number(in: message, after: "context length is ")
        promptTokens =
            Self.number(in: message, before: " in the messages")
            ?? Self.number(in: message, before: " input tokens")
            ?? Self.number(in: message, after: "the prompt has ")
    }

    /// The max_tokens that fits beside the prompt: nil when the message does not say, 0 or less when the
    /// prompt alone fills the context.
    var room: Int? {
        guard let contextLength, let promptTokens else { return nil }
        return contextLength - promptTokens
    }

    private static func number(in text: String, after phrase: String) -> Int? {
        guard let range = text.range(of: phrase) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isASCII && $0.isNumber })
    }

    private static func number(in text: String, before phrase: String) -> Int? {
        guard let range = text.range(of: phrase) else { return nil }
        let digits = text[..<range.lowerBound].reversed().prefix { $0.isASCII && $0.isNumber }
        return Int(String(digits.reversed()))
    }
}
