import Engine
import JSON
import Model
import Testing

@testable import Server

@Suite struct RequestParsingTests {
    static let directory: String = {
        var path = #filePath
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Fixtures/models/qwen2-gqa-tied"
    }()

    let model: ServedModel

    init() throws {
        let checkpoint = try Checkpoint(directory: Self.directory)
        let tokenizer = try Tokenizer(contentsOfFile: checkpoint.tokenizerPath!)
        model = ServedModel(
            checkpoint: checkpoint, tokenizer: tokenizer, alias: "tiny", created: 1, checkpointDigest: nil)
    }

    func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    func completionError(_ text: String) -> APIError? {
        do {
            _ = try CompletionRequest.parse(body(text), model: model)
            return nil
        } catch {
            return error
        }
    }

    @Test func promptsInEveryForm() throws {
        let text = try CompletionRequest.parse(body(#"{"prompt": "Step 1:", "max_tokens": 3}"#), model: model).spec
        #expect(text.prompts == [model.tokenizer.encode("Step 1:", addSpecialTokens: true)])
        #expect(text.sampling.maxTokens == 3)
        let ids = try CompletionRequest.parse(body(#"{"prompt": [1, 2, 3]}"#), model: model).spec
        #expect(ids.prompts == [[1, 2, 3]])
        #expect(ids.sampling.maxTokens == 16)
        let many = try CompletionRequest.parse(body(#"{"prompt": [[1], [2, 3]], "n": 4}"#), model: model).spec
        #expect(many.prompts == [[1], [2, 3]])
        #expect(many.samplesPerPrompt == 4)
        let strings = try CompletionRequest.parse(body(#"{"prompt": ["a", "b"]}"#), model: model).spec
        #expect(strings.prompts.count == 2)
    }

    @Test func theModelAnswersToItsAliasAndItsPath() throws {
        for name in ["tiny", Self.directory, Self.directory + "/"] {
            let escaped = JSONValue.string(name).serialized
            _ = try CompletionRequest.parse(body(#"{"model": \#(escaped), "prompt": "x"}"#), model: model)
        }
        let error = try #require(completionError(#"{"model": "gpt-4", "prompt": "x"}"#))
        #expect(error.status == 404)
        #expect(error.message.contains("model 'gpt-4' is not served here; use 'tiny'"))
    }

    @Test(arguments: [
        (#"{"prompt": []}"#, "'prompt' must not be an empty list"),
        (#"{"max_tokens": 3}"#, "'prompt' is required"),
        (#"{"prompt": "x", "temperature": "hot"}"#, "'temperature' must be a number, found a string"),
        (#"{"prompt": "x", "top_p": 0}"#, "'top_p' must be greater than 0"),
        (#"{"prompt": [1, 99999]}"#, "not a token id in 0..<640"),
        (#"{"prompt": "x", "max_tokens": 5000}"#, "'max_tokens' must be between 0 and 2048"),
        (#"{"prompt": "x", "max_tokens": 2048}"#, "this model's context length is 2048 tokens"),
        (#"{"prompt": "x", "n": 0}"#, "'n' must be between 1 and 128"),
        (#"{"prompt": "x", "presence_penalty": 0.5}"#, "'presence_penalty' is not supported"),
        (#"{"prompt": "x", "stop": [""]}"#, "'stop' strings must not be empty"),
        ("[1]", "the request body must be a JSON object, found an array"),
        ("{oops", "the request body is not valid JSON"),
    ])
    func badCompletionRequests(text: String, message: String) throws {
        let error = try #require(completionError(text))
        #expect(error.status == 400)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func neutralValuesOfUnsupportedFieldsAreAccepted() throws {
        _ = try CompletionRequest.parse(
            body(#"{"prompt": "x", "presence_penalty": 0, "frequency_penalty": 0.0, "best_of": 1}"#), model: model)
    }

    @Test func chatRendersTheTemplateAndFillsTheContext() throws {
        let spec = try ChatCompletionRequest.parse(
            body(#"{"messages": [{"role": "user", "content": "What is 12 + 7?"}], "temperature": 0, "top_p": 0.95}"#),
            model: model
        ).spec
        let expected = model.tokenizer.encode(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 12 + 7?<|im_end|>\n<|im_start|>assistant\n"
        )
        #expect(spec.prompts == [expected])
        #expect(spec.sampling.maxTokens == model.contextLength - expected.count)
        #expect(spec.sampling.isGreedy)
        #expect(spec.sampling.stopTokenIds == model.endOfSequenceIds)
    }

    @Test func chatContentPartsAndBadRoles() throws {
        let parts = try ChatCompletionRequest.parse(
            body(
                #"{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]}"#
            ),
            model: model
        ).spec
        #expect(model.tokenizer.decode(parts.prompts[0]).contains("<|im_start|>user\nab<|im_end|>"))
        do {
            _ = try ChatCompletionRequest.parse(
                body(#"{"messages": [{"role": "robot", "content": "a"}]}"#), model: model)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("'messages[0].role' must be system, user, assistant or developer"))
        }
    }

    @Test func tokenizeAndDetokenizeRoundTrip() throws {
        let routes = TokenizerRoutes(model: model)
        let tokenized = try routes.tokenize(body(#"{"prompt": "Step 1: 3 * 4 = 12", "return_token_strs": true}"#))
        let ids = try #require(tokenized.objectValue?["tokens"]?.arrayValue)
        #expect(tokenized.objectValue?["count"] == .int(ids.count))
        #expect(tokenized.objectValue?["token_strs"]?.arrayValue?.count == ids.count)
        let text = try routes.detokenize(body(#"{"tokens": \#(JSONValue.array(ids).serialized)}"#))
        #expect(text.objectValue?["prompt"] == .string("Step 1: 3 * 4 = 12"))
    }
}
