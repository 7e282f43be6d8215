// Chat formatting. The engine does not run Jinja; it recognises the ChatML family of templates (Qwen2,
// Qwen2.5 and their fine-tunes) and renders them natively, byte for byte as transformers'
// `apply_chat_template` does for plain text messages:
//
//     <|im_start|>{role}\n{content}<|im_end|>\n ... <|im_start|>assistant\n
//
// including the default system message that Qwen templates insert when the first message is not a
// system message. `raw` passes the prompt through untouched. Any other template is refused by name
// rather than rendered wrongly.

public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

public enum ChatTemplate: Sendable, Equatable {
    case chatML(defaultSystemPrompt: String?)
    case raw

    public struct UnsupportedTemplate: Error, CustomStringConvertible {
        public let excerpt: String
        public var description: String {
            "the checkpoint's chat template is not ChatML-shaped (it begins \(excerpt)); use raw prompts"
        }
    }

    /// The template a checkpoint's Jinja source stands for; no template at all means plain ChatML.
    public static func recognise(_ jinja: String?) throws(UnsupportedTemplate) -> ChatTemplate {
        guard let jinja else { return .chatML(defaultSystemPrompt: nil) }
        guard jinja.firstRange(of: "<|im_start|>") != nil, jinja.firstRange(of: "<|im_end|>") != nil else {
            throw UnsupportedTemplate(excerpt: String(jinja.prefix(60)).debugDescription)
        }
        return .chatML(defaultSystemPrompt: defaultSystemPrompt(in: jinja))
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        switch self {
        case .raw:
            return messages.map(\.content).joined()
        case .chatML(let defaultSystemPrompt):
            var text = ""
            if let defaultSystemPrompt, messages.first?.role != "system" {
                text += "<|im_start|>system\n\(defaultSystemPrompt)<|im_end|>\n"
            }
            for message in messages {
                text += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n"
            }
            if addGenerationPrompt { text += "<|im_start|>assistant\n" }
            return text
        }
    }

    /// Finds a Jinja string literal that opens a system turn and carries its own text, such as
    /// `'<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n'`, and returns that text.
    static func defaultSystemPrompt(in jinja: String) -> String? {
        for quote in ["'", "\""] {
            for opening in ["<|im_start|>system\\n", "<|im_start|>system\n"] {
                var searchStart = jinja.startIndex
                while let found = jinja[searchStart...].firstRange(of: quote + opening) {
                    searchStart = found.upperBound
                    guard let literalEnd = endOfLiteral(in: jinja, from: found.upperBound, quote: Character(quote))
                    else { continue }
                    let body = String(jinja[found.upperBound..<literalEnd])
                    guard let close = body.firstRange(of: "<|im_end|>"), close.lowerBound != body.startIndex else {
                        continue
                    }
                    return unescapeJinja(String(body[..<close.lowerBound]))
                }
            }
        }
        return nil
    }

    private static func endOfLiteral(in text: String, from start: String.Index, quote: Character) -> String.Index? {
        var index = start
        while index < text.endIndex {
            let character = text[index]
            if character == "\\" {
                index = text.index(after: index)
                if index < text.endIndex { index = text.index(after: index) }
                continue
            }
            if character == quote { return index }
            index = text.index(after: index)
        }
        return nil
    }

    private static func unescapeJinja(_ literal: String) -> String {
        var result = ""
        var escaping = false
        for character in literal {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
