// POST /classify and POST /pooling in vLLM's shapes, so that clients written for discriminative
// reward models work unchanged against the generative PRM-CoT. Each input is a chat-templated
// conversation (a problem and a response, as such clients send it); the response is verified once,
// greedily, like /v1/verify with its steps:
// - /classify: `data[i].probs` = [P(no), P(yes)] of the final verdict, `label` "yes" or "no";
// - /pooling: `data[i].data` = one [P(incorrect), P(correct)] pair per step, as Qwen2.5-Math-PRM's
//   step rewards come back from vLLM's pooling runner.
// Where no probability could be read (a reply that does not parse), the pair is the verdict itself
// ([1, 0] or [0, 1]), or [0.5, 0.5] when there is none; `status` says which.

import Engine
import JSON
import Reward

enum ScoringRoutes {
    static func parse(_ body: [UInt8], model: ServedModel) throws(APIError) -> ([VerifyRoute.Item], VerifyRoute.Options)
    {
        let reader = try RequestReader(body: body)
        try model.check(modelName: try reader.string("model"))
        let inputs: [String]
        switch reader.object["input"] {
        case .string(let text)?: inputs = [text]
        case .array(let values)? where !values.isEmpty && values.allSatisfy({ $0.stringValue != nil }):
            inputs = values.map { $0.stringValue! }
        default:
            throw .badRequest("'input' must be a conversation text or a non-empty list of them", parameter: "input")
        }
        guard inputs.count <= VerifyRoute.maximumItems else {
            throw .badRequest(
                "at most \(VerifyRoute.maximumItems) inputs per request, found \(inputs.count)", parameter: "input")
        }
        let items = inputs.map { text in
            let response = OpenRLHFRoute.response(from: text, prompt: "")
            let spans = PolicySteps(response: response).spans
            let scalars = Array(response.unicodeScalars)
            let steps = spans.map { span in String(String.UnicodeScalarView(scalars[span])) }
            return VerifyRoute.Item(
                problem: OpenRLHFRoute.problem(from: text), steps: steps.isEmpty ? nil : steps,
                solution: steps.isEmpty ? response : RewardModelInput.stepList(steps))
        }
        var sampling = SamplingParameters(temperature: 0)
        sampling.maxTokens = try reader.int("max_tokens", in: 1...model.contextLength) ?? 4096
        sampling.stopTokenIds = model.endOfSequenceIds
        return (
            items,
            VerifyRoute.Options(
                variant: .prmCoT, samples: 1, aggregate: "step", sampling: sampling,
                timeoutSeconds: try SamplingFields.timeout(reader),
                constrainVerdicts: try reader.bool("constrain_verdicts") ?? true)
        )
    }

    /// The vLLM answer, built from /v1/verify's.
    static func response(_ verification: JSONValue, pooling: Bool, modelName: String, created: Int) -> JSONValue {
        let items = verification.objectValue?["items"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let data: [JSONValue] = items.enumerated().map { index, item in
            let status = item["status"] ?? .null
            if pooling {
                let pairs: [JSONValue] = (item["steps"]?.arrayValue ?? []).compactMap(\.objectValue).map { step in
                    let correct =
                        step["p_correct"]?.doubleValue ?? (step["verdict"] == .string("correct") ? 1 : 0)
                    return .array([.double(1 - correct), .double(correct)])
                }
                return .object([
                    "index": .int(index), "object": .string("pooling"), "data": .array(pairs), "status": status,
                ])
            }
            let yes =
                item["p_yes"]?.doubleValue
                ?? (item["outcome"] == .string("yes") ? 1 : item["outcome"] == .string("no") ? 0 : 0.5)
            return .object([
                "index": .int(index), "label": .string(yes >= 0.5 ? "yes" : "no"),
                "probs": .array([.double(1 - yes), .double(yes)]), "num_classes": .int(2), "status": status,
            ])
        }
        var object: JSONObject = [
            "id": .string(ResponseIdentifier.make(pooling ? "pool" : "classify")), "object": .string("list"),
            "created": .int(created), "model": .string(modelName), "data": .array(data),
        ]
        if let usage = verification.objectValue?["usage"] { object["usage"] = usage }
        return .object(object)
    }
}
