// `tokenizer_config.json` (and `chat_template.jinja`, where transformers now saves the template): the
// chat template and the names of the special tokens.

import JSON

public struct TokenizerConfig: Sendable, Equatable {
    public var chatTemplate: String?
    public var eosToken: String?
    public var bosToken: String?
    public var padToken: String?
    /// Llama-style tokenizers prepend BOS when encoding with special tokens.
    public var addBosToken: Bool?

    public init(chatTemplate: String? = nil, eosToken: String? = nil, bosToken: String? = nil) {
        self.chatTemplate = chatTemplate
        self.eosToken = eosToken
        self.bosToken = bosToken
    }

    /// Reads `tokenizer_config.json` at `path`; a `chat_template.jinja` beside it wins over the
    /// template inside, as in transformers.
    public static func load(contentsOfFile path: String, templateFile: String?) throws(CheckpointError)
        -> TokenizerConfig
    {
        let reader = try JSONReader(JSONDocument.load(path), file: path)
        var config = TokenizerConfig()
        config.eosToken = try tokenName(reader, "eos_token")
        config.bosToken = try tokenName(reader, "bos_token")
        config.padToken = try tokenName(reader, "pad_token")
        config.addBosToken = reader.object["add_bos_token"]?.boolValue
        switch reader.object["chat_template"] {
        case .string(let template)?: config.chatTemplate = template
        case .array(let named)?:
            // A list of {name, template}; the one named "default" is the chat template.
            config.chatTemplate =
                named.first { $0.objectValue?["name"]?.stringValue == "default" }?.objectValue?["template"]?.stringValue
        default: break
        }
        if let templateFile {
            config.chatTemplate = String(decoding: try FileSystem.read(templateFile), as: UTF8.self)
        }
        return config
    }

    /// Special tokens are written either as a string or as an AddedToken object `{"content": ...}`.
    private static func tokenName(_ reader: JSONReader, _ key: String) throws(CheckpointError) -> String? {
        switch reader.object[key] {
        case nil, .null?: return nil
        case .string(let name)?: return name
        case .object(let token)?:
            guard let content = token["content"]?.stringValue else {
                throw reader.error("'\(key)' object has no string 'content'")
            }
            return content
        case let other?: throw reader.error("'\(key)' must be a string or a token object, found \(other.kindName)")
        }
    }
}
