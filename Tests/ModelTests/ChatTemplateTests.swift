import Foundation
import JSON
import Model
import Testing

@Suite struct ChatTemplateTests {
    /// The chat cases of the golden file, rendered by transformers' apply_chat_template.
    @Test func rendersExactlyWhatTransformersRenders() throws {
        let checkpoint = try Checkpoint(directory: TestFiles.fixtures + "/models/qwen2-gqa-tied")
        let template = try ChatTemplate.recognise(checkpoint.tokenizerConfig.chatTemplate)
        #expect(template == .chatML(defaultSystemPrompt: "You are a helpful assistant."))
        let golden = try JSONValue.parse(TestFiles.read(TestFiles.fixtures + "/golden/qwen2-gqa-tied.json"))
        let cases = try #require(golden.objectValue?["chat_cases"]?.arrayValue)
        #expect(cases.count >= 5)
        for value in cases {
            let item = try #require(value.objectValue)
            let messages = try #require(item["messages"]?.arrayValue).map { message in
                ChatMessage(
                    role: message.objectValue!["role"]!.stringValue!,
                    content: message.objectValue!["content"]!.stringValue!)
            }
            let rendered = template.render(
                messages, addGenerationPrompt: item["add_generation_prompt"]?.boolValue ?? false)
            #expect(rendered == item["text"]?.stringValue, "\(item["name"]?.stringValue ?? "")")
        }
    }

    /// Qwen2.5-Instruct's template, as its tokenizer_config.json holds it after JSON decoding
    /// (Jinja escapes `\n` inside literals, real newlines between statements).
    static let qwen25Template = #"""
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0]['role'] == 'system' %}
                {{- messages[0]['content'] }}
            {%- else %}
                {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
            {%- endif %}
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- else %}
                {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
        {%- for message in messages %}
            {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """#

    @Test func findsTheDefaultSystemPromptOfQwen25() throws {
        let template = try ChatTemplate.recognise(Self.qwen25Template)
        #expect(
            template
                == .chatML(defaultSystemPrompt: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."))
        let text = template.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        #expect(
            text
                == "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func plainChatMLWithoutADefaultSystemPrompt() throws {
        let template = try ChatTemplate.recognise(
            "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}{% endfor %}"
        )
        #expect(template == .chatML(defaultSystemPrompt: nil))
        #expect(try ChatTemplate.recognise(nil) == .chatML(defaultSystemPrompt: nil))
    }

    @Test func refusesOtherTemplatesByName() {
        let llama3 =
            "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
        #expect(throws: ChatTemplate.UnsupportedTemplate.self) { try ChatTemplate.recognise(llama3) }
    }

    @Test func rawPassesContentThrough() {
        #expect(
            ChatTemplate.raw.render([ChatMessage(role: "user", content: "2+2=")], addGenerationPrompt: true) == "2+2=")
    }
}
