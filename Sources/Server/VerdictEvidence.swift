// What one reward-model reply says, with the probabilities read while it was written: the parsed
// verdicts (Reward library, SPARK's exact parsing) and, for each, P(correct) = P(" correct") /
// (P(" correct") + P(" incorrect")) at its verdict slot, and P(yes) likewise at the final verdict.
//
// A reading belongs to a verdict when the text right after the reading's slot is that verdict's
// marker (" correct.**" for PRM-CoT, " Correct" for PRM, "Yes"/"No" for ORM); readings inside a
// thinking block are dropped, as the parser drops the thinking.

import Model
import Reward
import Scheduler

/// The probes of a variant: the step-verdict slot and the outcome slot (ORM: its first token), each
/// left out when its candidate words share a first token in this vocabulary. Constraining probes make
/// the model write one of the verdict words at each slot.
struct VerdictProbes: Sendable {
    private(set) var probes: [VerdictProbe] = []
    private(set) var stepIndex: Int?
    private(set) var outcomeIndex: Int?

    init(_ variant: RewardModelVariant, tokenizer: Tokenizer, constrains: Bool) {
        let yesNo = variant == .orm ? ["Yes", "No"] : [" Yes", " No"]
        let outcomeTrigger = variant == .orm ? "" : "Is the answer correct (Yes/No)?"
        switch variant {
        case .orm: break
        case .prm:
            add(
                VerdictProbe(
                    trigger: "Step #:", words: [" Correct", " Incorrect"], tokenizer: tokenizer, constrains: constrains),
                as: \.stepIndex)
        case .prmCoT:
            add(
                VerdictProbe(
                    trigger: "**This step is", words: [" correct", " incorrect"], tokenizer: tokenizer,
                    constrains: constrains),
                as: \.stepIndex)
        }
        add(
            VerdictProbe(trigger: outcomeTrigger, words: yesNo, tokenizer: tokenizer, constrains: constrains),
            as: \.outcomeIndex)
    }

    private mutating func add(_ probe: VerdictProbe?, as slot: WritableKeyPath<VerdictProbes, Int?>) {
        guard let probe else { return }
        self[keyPath: slot] = probes.count
        probes.append(probe)
    }
}

struct VerdictEvidence {
    let reply: RewardModelReply
    /// P(correct) for each parsed step verdict, nil where no reading matched it.
    let stepProbabilities: [Double?]
    let yesProbability: Double?

    init(text: String, readings: [VerdictReading], variant: RewardModelVariant, probes: VerdictProbes) {
        reply = RewardModelReply(parsing: text, variant: variant)
        let bytes = Array(text.utf8)
        let thinkingEnd = Self.endOfThinking(bytes)
        func follows(_ reading: VerdictReading, _ words: [String]) -> Bool {
            guard reading.textOffset >= thinkingEnd else { return false }
            let rest = bytes[reading.textOffset...].prefix(16).map { Character(UnicodeScalar($0)).lowercased() }
                .joined()
            return words.contains { rest.hasPrefix($0) }
        }
        let stepMarkers =
            variant == .prmCoT ? [" correct.**", " incorrect.**"] : [" correct", " incorrect"]
        let steps = readings.filter { $0.probe == probes.stepIndex && follows($0, stepMarkers) }
        var probabilities: [Double?] = steps.map { Self.share($0) }
        if probabilities.count != reply.stepVerdicts.count {
            // Readings and markers disagree (a marker written in an unusual way): trust neither.
            probabilities = Array(repeating: nil, count: reply.stepVerdicts.count)
        }
        stepProbabilities = probabilities
        let yesWords = variant == .orm ? ["yes", "no"] : [" yes", " no"]
        yesProbability = readings.last { $0.probe == probes.outcomeIndex && follows($0, yesWords) }
            .flatMap { Self.share($0) }
    }

    /// The first candidate's share of the two.
    private static func share(_ reading: VerdictReading) -> Double? {
        guard reading.probabilities.count == 2 else { return nil }
        let total = Double(reading.probabilities[0]) + Double(reading.probabilities[1])
        return total > 0 ? Double(reading.probabilities[0]) / total : nil
    }

    /// Bytes up to and including the first `</think>` (0 without one), as the reply parser strips.
    private static func endOfThinking(_ bytes: [UInt8]) -> Int {
        let marker = Array("</think>".utf8)
        guard bytes.count >= marker.count else { return 0 }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker)
        {
            return start + marker.count
        }
        return 0
    }
}
