// What spark-server's /v1/reward says of one policy response, as the RL loop uses it: whether the
// reward model judged it (`mask`; an unjudged response is left out of the loss, never scored 0), its
// reward, the group advantage or, for the tango designs, the advantage of each step's characters, and
// the facts the hacking monitors read (K, P, the reward model's Yes; the format they check themselves).

import JSON

public struct RewardJudgement: Sendable, Equatable {
    public var status: String
    public var judged: Bool
    /// The reward; nil where the model did not judge.
    public var score: Double?
    public var formatValid: Bool
    /// K: steps the server found in the response.
    public var steps: Int
    /// P: step verdicts in the reward model's reply.
    public var verdicts: Int
    /// The reward model's final verdict; nil where it gave none.
    public var saidYes: Bool?
    /// The GRPO advantage of the whole response within its group; nil where not judged.
    public var advantage: Double?
    /// For the tango designs: the advantage on each step's span, and after the last step.
    public var stepAdvantages: [TokenAdvantages.Step]?
    public var advantageAfterLastStep: Double?

    public init(
        status: String, judged: Bool, score: Double?, formatValid: Bool, steps: Int,
        verdicts: Int, saidYes: Bool?, advantage: Double?, stepAdvantages: [TokenAdvantages.Step]? = nil,
        advantageAfterLastStep: Double? = nil
    ) {
        self.status = status
        self.judged = judged
        self.score = score
        self.formatValid = formatValid
        self.steps = steps
        self.verdicts = verdicts
        self.saidYes = saidYes
        self.advantage = advantage
        self.stepAdvantages = stepAdvantages
        self.advantageAfterLastStep = advantageAfterLastStep
    }

    /// Reads one entry of the response's `items`.
    init(item: JSONObject) throws(RLError) {
        func required<Value>(_ value: Value?, _ field: String) throws(RLError) -> Value {
            guard let value else { throw .rewardServer("a reward item without a valid '\(field)': \(item)") }
            return value
        }
        status = try required(item["status"]?.stringValue, "status")
        judged = try required(item["mask"]?.boolValue, "mask")
        score = item["score"]?.doubleValue
        formatValid = try required(item["valid"]?.boolValue, "valid")
        steps = try required(item["K"]?.intValue, "K")
        verdicts = try required(item["P"]?.intValue, "P")
        saidYes = item["outcome"]?.stringValue.map { $0 == "yes" }
        advantage = item["advantage"]?.doubleValue
        advantageAfterLastStep = item["advantage_after_last_step"]?.doubleValue
        stepAdvantages = try item["step_advantages"]?.arrayValue.map { entries throws(RLError) in
            var steps: [TokenAdvantages.Step] = []
            for entry in entries {
                guard let object = entry.objectValue, let span = object["span"]?.arrayValue?.compactMap(\.intValue),
                    span.count == 2, span[0] <= span[1], let advantage = object["advantage"]?.doubleValue
                else { throw .rewardServer("a step advantage without a [start, end] span and an advantage: \(entry)") }
                steps.append(TokenAdvantages.Step(span: span[0]..<span[1], advantage: advantage))
            }
            return steps
        }
    }
}
