// A solution split the way the generator format writes it: `Step k:` paragraphs, then `Answer: N`.
//
// A step runs from its `Step k:` marker (optionally a Markdown heading or bold, `### Step k:` or
// `**Step k:**`, and with `.` for `:`) to the next marker or the answer line; text before the first
// marker is a preamble and belongs to no step. A solution without markers is split into blank-line
// paragraphs, as ProcessBench splits its steps. The answer is the text after the last `Answer:` (or
// `Final answer:`) at the start of a line; its value is the first number in it, read as `StepArithmetic`
// reads numbers.

public struct SolutionText: Sendable, Equatable {
    /// The steps without their markers, trimmed.
    public let steps: [String]
    /// The text of the answer line after `Answer:`, trimmed; nil without an answer line.
    public let answer: String?

    public init(parsing text: String) {
        var steps: [String] = []
        var answer: String?
        var current: [String]?
        var paragraphs: [[String]] = [[]]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let rest = Self.afterAnswerMarker(line) {
                answer = rest
                if let open = current { steps.append(Self.joined(open)) }
                current = nil
                continue
            }
            if let rest = Self.afterStepMarker(line) {
                if let open = current { steps.append(Self.joined(open)) }
                current = [rest]
            } else if current != nil {
                current!.append(line)
            }
            if answer == nil {
                if line.allSatisfy(\.isWhitespace) {
                    paragraphs.append([])
                } else {
                    paragraphs[paragraphs.count - 1].append(line)
                }
            }
        }
        if let open = current { steps.append(Self.joined(open)) }
        if steps.isEmpty {
            steps = paragraphs.filter { !$0.isEmpty }.map(Self.joined)
        }
        self.steps = steps.filter { !$0.isEmpty }
        self.answer = answer
    }

    /// The first number of the answer.
    public var answerValue: Double? {
        answer.flatMap { StepArithmetic(parsing: $0).mentionedNumbers.first }
    }

    private static func joined(_ lines: [String]) -> String {
        lines.joined(separator: "\n").trimmingWhitespace()
    }

    /// The rest of `line` after `Step k:`, or nil when it does not start with a step marker.
    private static func afterStepMarker(_ line: String) -> String? {
        var rest = Substring(line).drop(while: { $0.isWhitespace || $0 == "#" })
        let bold = rest.hasPrefix("**")
        if bold { rest = rest.dropFirst(2) }
        guard rest.hasPrefix("Step") || rest.hasPrefix("step") else { return nil }
        rest = rest.dropFirst(4).drop { $0 == " " }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        rest = rest.dropFirst(digits.count).drop { $0 == " " }
        guard let separator = rest.first, separator == ":" || separator == "." else { return nil }
        rest = rest.dropFirst()
        if bold && rest.hasPrefix("**") { rest = rest.dropFirst(2) }
        return String(rest)
    }

    /// The rest of `line` after `Answer:` or `Final answer:`, trimmed, or nil.
    private static func afterAnswerMarker(_ line: String) -> String? {
        var rest = Substring(line).drop { $0.isWhitespace }
        if rest.hasPrefix("**") { rest = rest.dropFirst(2) }
        for marker in ["Answer:", "Final answer:", "Final Answer:", "answer:"] where rest.hasPrefix(marker) {
            var answer = rest.dropFirst(marker.count)
            if answer.hasPrefix("**") { answer = answer.dropFirst(2) }
            return String(answer).trimmingWhitespace()
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
