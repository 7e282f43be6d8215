// POST /get_reward in OpenRLHF's remote reward-model contract: `{"query": [...], "prompts": [...],
// "labels": [...]}` to `{"rewards": [...], "scores": [...], "extra_logs": {name: [numbers]}}`. Each
// query is a chat-templated prompt plus the policy's response (decoded with special tokens), so the
// response is the query minus its prompt, and the problem is the prompt's last user message. Rewards
// are those of /v1/reward under the design named in the URL (`?design=...&variant=...&format=...`,
// default SPARK's process-aware outcome). The contract is numbers only: a response the model did not
// judge gets reward 0 with `judged` 0 in extra_logs, so a trainer can filter it; empty lists, which
// OpenRLHF sends to every server but the first, get empty lists.

import JSON
import Reward

enum OpenRLHFRoute {
    static func parse(_ body: [UInt8], query: [String: String], model: ServedModel) throws(APIError) -> (
        [RewardRoute.Item], RewardRoute.Options
    ) {
        let reader = try RequestReader(body: body)
        let queries = try strings(reader, "query")
        guard queries.count <= VerifyRoute.maximumItems else {
            throw .badRequest(
                "at most \(VerifyRoute.maximumItems) queries per request, found \(queries.count)", parameter: "query")
        }
        let prompts = try strings(reader, "prompts")
        guard prompts.count == queries.count || prompts.isEmpty else {
            throw .badRequest(
                "'prompts' must have one entry per query (\(queries.count)), found \(prompts.count)",
                parameter: "prompts")
        }
        let labels: [String?] =
            (reader.object["labels"]?.arrayValue ?? []).map { $0.stringValue ?? ($0.isNull ? nil : $0.serialized) }
        var items: [RewardRoute.Item] = []
        for (index, text) in queries.enumerated() {
            let prompt = index < prompts.count ? prompts[index] : ""
            items.append(
                RewardRoute.Item(
                    problem: problem(from: prompt.isEmpty ? text : prompt),
                    response: response(from: text, prompt: prompt),
                    group: nil, groundTruth: index < labels.count ? labels[index] : nil))
        }
        // The rest of the options come from the URL, in /v1/reward's words.
        var settings: JSONObject = ["items": .array([.object(["problem": .string("x"), "response": .string("x")])])]
        for key in ["design", "variant", "format"] { if let value = query[key] { settings[key] = .string(value) } }
        if let value = query["max_tokens"].flatMap(Int.init) { settings["max_tokens"] = .int(value) }
        if let value = query["constrain_verdicts"] {
            settings["constrain_verdicts"] =
                value == "true" ? .bool(true) : value == "false" ? .bool(false) : .string(value)
        }
        if settings["design"] == .string(RewardDesign.ruleBased.rawValue) {
            settings["items"] = .array([
                .object(["problem": .string("x"), "response": .string("x"), "ground_truth": .string("x")])
            ])
            if let missing = items.firstIndex(where: { $0.groundTruth == nil }) {
                throw .badRequest(
                    "the rule_based design needs 'labels' (ground truths); query \(missing) has none",
                    parameter: "labels")
            }
        }
        let (_, options) = try RewardRoute.parse(Array(JSONValue.object(settings).serialized.utf8), model: model)
        return (items, options)
    }

    /// The OpenRLHF answer built from /v1/reward's.
    static func response(_ reward: JSONValue) -> JSONValue {
        let items = reward.objectValue?["items"]?.arrayValue?.compactMap(\.objectValue) ?? []
        func column(_ value: (JSONObject) -> Double) -> JSONValue { .array(items.map { .double(value($0)) }) }
        let rewards = items.map { $0["score"]?.doubleValue ?? 0 }
        var logs: JSONObject = [
            "judged": column { $0["mask"] == .bool(true) ? 1 : 0 },
            "format_valid": column { $0["valid"] == .bool(true) ? 1 : 0 },
            "outcome": column { item in
                item["outcome"] == .string("yes") ? 1 : item["outcome"] == .string("no") ? 0 : -1
            },
            "p_yes": column { $0["p_yes"]?.doubleValue ?? -1 },
            "num_steps": column { Double($0["K"]?.intValue ?? 0) },
            "num_verdicts": column { Double($0["P"]?.intValue ?? 0) },
            "step_accuracy": column { item in
                let verdicts = (item["steps"]?.arrayValue ?? []).compactMap {
                    $0.objectValue?["verdict"]?.stringValue
                }
                return verdicts.isEmpty
                    ? 0 : Double(verdicts.filter { $0 == "correct" }.count) / Double(verdicts.count)
            },
        ]
        // OpenRLHF's contract is numeric only: each status becomes a 0/1 column, so that a trainer can
        // mask with `judged` and log why samples were dropped.
        for status in ItemStatus.allCases {
            logs["status_" + status.rawValue] = column { $0["status"] == .string(status.rawValue) ? 1 : 0 }
        }
        return .object([
            "rewards": .array(rewards.map { .double($0) }),
            "scores": .array(rewards.map { .double(min(1, max(0, $0))) }),
            "extra_logs": .object(logs),
        ])
    }

    private static func strings(_ reader: RequestReader, _ key: String) throws(APIError) -> [String] {
        guard let value = reader.object[key], !value.isNull else { return [] }
        guard let array = value.arrayValue, let strings = Optional(array.compactMap(\.stringValue)),
            strings.count == array.count
        else { throw .badRequest("'\(key)' must be a list of strings", parameter: key) }
        return strings
    }

    /// The query without its prompt (OpenRLHF's `query[len(prompt):]`), and without the end-of-turn
    /// tokens the decoded query keeps.
    static func response(from query: String, prompt: String) -> String {
        var text = query.hasPrefix(prompt) && !prompt.isEmpty ? String(query.dropFirst(prompt.count)) : query
        if prompt.isEmpty, let start = text.ranges(of: "<|im_start|>assistant\n").last {
            text = String(text[start.upperBound...])
        }
        for marker in ["<|endoftext|>", "<|im_end|>"] {
            while text.hasSuffix(marker) || text.hasSuffix(marker + "\n") {
                if text.hasSuffix("\n") { text.removeLast() }
                text.removeLast(marker.count)
            }
        }
        return text
    }

    /// The last user message of a ChatML prompt; the prompt itself when it has no chat markup.
    static func problem(from prompt: String) -> String {
        guard let start = prompt.ranges(of: "<|im_start|>user\n").last else { return prompt }
        let rest = prompt[start.upperBound...]
        let end = rest.firstRange(of: "<|im_end|>")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }
}
