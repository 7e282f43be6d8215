// The `messages` list of a chat request: roles and text contents (a string, null, or text parts).

import Model

enum ChatMessages {
    static func read(_ reader: RequestReader) throws(APIError) -> [ChatMessage] {
        guard let values = reader.object["messages"]?.arrayValue else {
            throw .badRequest(
                "'messages' is required: a list of {\"role\", \"content\"} objects", parameter: "messages")
        }
        guard !values.isEmpty else { throw .badRequest("'messages' must not be empty", parameter: "messages") }
        var messages: [ChatMessage] = []
        for (index, value) in values.enumerated() {
            let message = try RequestReader(value, path: "messages[\(index)].")
            guard let role = try message.string("role") else {
                throw .badRequest("'messages[\(index)].role' is required", parameter: "messages[\(index)].role")
            }
            guard ["system", "user", "assistant", "developer"].contains(role) else {
                throw .badRequest(
                    "'messages[\(index)].role' must be system, user, assistant or developer, found '\(role)'",
                    parameter: "messages[\(index)].role")
            }
            messages.append(ChatMessage(role: role, content: try content(message, index: index)))
        }
        return messages
    }

    /// A string, null (empty), or a list of `{"type": "text", "text": ...}` parts joined together.
    private static func content(_ message: RequestReader, index: Int) throws(APIError) -> String {
        let field = "messages[\(index)].content"
        switch message.object["content"] {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case .array(let parts)?:
            var text = ""
            for (partIndex, part) in parts.enumerated() {
                let reader = try RequestReader(part, path: "\(field)[\(partIndex)].")
                guard try reader.string("type") == "text", let partText = try reader.string("text") else {
                    throw .badRequest(
                        "'\(field)[\(partIndex)]' must be {\"type\": \"text\", \"text\": ...}; only text is supported",
                        parameter: field)
                }
                text += partText
            }
            return text
        case let other?:
            throw .badRequest(
                "'\(field)' must be a string or a list of text parts, found \(other.kindName)", parameter: field)
        }
    }
}
