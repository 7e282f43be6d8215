// What the reward model has been saying, on /metrics: the early warnings of reward hacking an RL user
// watches. A policy that learns to fool the reward model shows up as a rising outcome Yes rate and
// share of steps judged correct, a drifting step count, K != P, or format violations of one kind;
// parse failures, truncations and timeouts say the reward model itself is struggling.
//
// Read from the answers exactly as clients received them, so the figures and the responses agree.

import JSON
import Metrics

final class RewardTelemetry: Sendable {
    private let items: Counter
    private let stepVerdicts: Counter
    private let outcomes: Counter
    private let violations: Counter
    private let policySteps: Histogram
    private let stepCountMismatches: Counter
    private let verdictSlots: Counter

    init(registry: MetricsRegistry) {
        items = registry.counter(
            "spark_reward_items_total",
            help:
                "Items of verification and reward requests, by route and status (ok, format_rejected, unparseable, truncated, timeout, error).",
            labels: ["route", "status"])
        stepVerdicts = registry.counter(
            "spark_reward_step_verdicts_total", help: "Step verdicts of judged items, by verdict.",
            labels: ["verdict"])
        outcomes = registry.counter(
            "spark_reward_outcomes_total", help: "Final verdicts of judged items (is the answer correct?), by outcome.",
            labels: ["outcome"])
        violations = registry.counter(
            "spark_reward_format_violations_total", help: "Format-gate violations of policy responses, by kind.",
            labels: ["kind"])
        policySteps = registry.histogram(
            "spark_reward_policy_steps", help: "Steps K in each policy response that passed the format gate.",
            buckets: [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50])
        stepCountMismatches = registry.counter(
            "spark_reward_step_count_mismatches_total",
            help: "Judged responses whose reward model reply has a different number of step verdicts P than steps K.")
        verdictSlots = registry.counter(
            "spark_reward_verdict_slots_total",
            help: "Verdict slots in reward model replies, by whether the most likely token there was a verdict word.",
            labels: ["most_likely"])
    }

    /// A /v1/verify or /v1/reward answer (also what /get_reward, /classify and /pooling were built from).
    func observe(_ answer: JSONValue, route: String) {
        // An ORM writes no step verdicts, so its P is 0 whatever K is.
        let judgesSteps = answer.objectValue?["variant"]?.stringValue != "orm"
        for item in answer.objectValue?["items"]?.arrayValue?.compactMap(\.objectValue) ?? [] {
            observe(item, route: route, judgesSteps: judgesSteps)
        }
    }

    private func observe(_ item: JSONObject, route: String, judgesSteps: Bool) {
        guard let status = item["status"]?.stringValue.flatMap(ItemStatus.init(rawValue:)) else { return }
        items.increment([route, status.rawValue])
        for violation in item["violations"]?.arrayValue ?? [] {
            if let kind = violation.objectValue?["kind"]?.stringValue { violations.increment([kind]) }
        }
        if let slots = item["verdict_slots"]?.objectValue, let total = slots["total"]?.intValue,
            let offWord = slots["most_likely_not_a_verdict"]?.intValue
        {
            verdictSlots.increment(["verdict_word"], by: Double(total - offWord))
            verdictSlots.increment(["other"], by: Double(offWord))
        }
        if status == .formatRejected { return }
        if let steps = item["K"]?.intValue {
            policySteps.observe(Double(steps))
            if status == .ok, judgesSteps, item["reply"]?.stringValue != nil, let verdicts = item["P"]?.intValue,
                verdicts != steps
            {
                stepCountMismatches.increment()
            }
        }
        guard status == .ok else { return }
        if let outcome = item["outcome"]?.stringValue { outcomes.increment([outcome]) }
        for step in item["steps"]?.arrayValue ?? [] {
            if let verdict = step.objectValue?["verdict"]?.stringValue { stepVerdicts.increment([verdict]) }
        }
    }
}
