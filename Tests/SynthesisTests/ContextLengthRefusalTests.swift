import JSON
import Testing

@testable import Synthesis

/// Context-length refusals as servers word them (vLLM's two wordings and OpenAI's, quoted from their
/// users' reports; spark-server's own is exercised end to end in SynthCommandTests).
@Suite struct ContextLengthRefusalTests {
    static func body(_ error: JSONValue) -> [UInt8] {
        Array(JSONValue.object(["error": error]).serialized.utf8)
    }

    static func refusal(message: String, code: JSONValue = .int(400)) -> ContextLengthRefusal? {
        ContextLengthRefusal(
            status: 400,
            body: body(.object(["message": .string(message), "type": .string("BadRequestError"), "code": code])))
    }

    @Test func vllmAndOpenAIWordingsGiveTheRoom() {
        let older = Self.refusal(
            message:
                "This model's maximum context length is 8192 tokens. However, you requested 8203 tokens (7691 in the messages, 512 in the completion). Please reduce the length of the messages or completion."
        )
        #expect(older?.contextLength == 8192 && older?.promptTokens == 7691)
        #expect(older?.room == 501)
        let newer = Self.refusal(
            message:
                "'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length is 4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778). None"
        )
        #expect(newer?.room == 1318)
        let promptAlone = Self.refusal(
            message: "This model's maximum context length is 1536 tokens. However, your request has 4176 input tokens.")
        #expect(promptAlone?.room == -2640)
        let openAI = Self.refusal(
            message:
                "This model's maximum context length is 4096 tokens. However, you requested 4118 tokens (3118 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
            code: .string("context_length_exceeded"))
        #expect(openAI?.room == 978)
    }

    @Test func otherRefusalsAreNotReadAsContextLength() {
        #expect(Self.refusal(message: "temperature must be a number >= 0") == nil)
        #expect(ContextLengthRefusal(status: 400, body: Array("not json".utf8)) == nil)
        #expect(ContextLengthRefusal(status: 400, body: Self.body(.string("scripted"))) == nil)
        let unreadable = Self.refusal(message: "context length exceeded")
        #expect(unreadable != nil && unreadable?.room == nil)
        let elsewhere = ContextLengthRefusal(
            status: 500,
            body: Self.body(.object(["message": .string("This model's maximum context length is 10 tokens.")])))
        #expect(elsewhere == nil)
    }
}
