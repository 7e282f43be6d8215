// Splits a policy response into its reasoning steps, each with a character span; K is their number.
//
// The first of these that finds anything wins:
// 1. `<step>` blocks, by the release's primary pattern
//    `<step[^>]*>(.*?)(?=<step[^>]*>|</think>|</answer>|$)` with DOTALL|IGNORECASE (spark-paper.md §4.5,
//    release `compute_reward_prm_cot_hybrid_apply_step_global_stat_tango`). A span runs from `<step` to just
//    before the next `<step`, `</think>`, `</answer>` or the end, so it includes `</step>` and the whitespace
//    after it, exactly as the release's `(match.start(), match.end())`. The release's other tag patterns
//    are case or closing-tag variants that this one already covers under IGNORECASE.
// 2. `Step k:` lines, 3. `## Step k` headers, 4. blank-line paragraphs. These fallbacks are this project's
//    (the release's fallbacks mark only the header text, and try a bold-title pattern first). They look only
//    at the reasoning: after the first `<think>` and before the first `</think>` or `<answer>`, whichever
//    comes first (tags case-insensitive). A fallback step runs from its header to the last non-whitespace
//    character before the next header; a paragraph from its first to its last non-whitespace character.
//    Text before the first header belongs to no step, as text before the first `<step>` does.
//
// Offsets are Unicode-scalar offsets, which are Python `str` indices: the release's trainer maps the same
// numbers to tokens through a Hugging Face offset mapping, which counts in code points too. `TextOffsets`
// converts them to UTF-8 byte offsets.

/// The steps of a policy response.
public struct PolicySteps: Sendable, Equatable {
    /// Which rule found the steps.
    public enum Source: String, Sendable {
        case stepTags
        case stepLines
        case stepHeaders
        case paragraphs
    }

    /// The rule that found the steps; nil when the response has none.
    public let source: Source?
    /// One span per step, in order, in Unicode-scalar offsets into the response.
    public let spans: [Range<Int>]

    /// K, the number of steps.
    public var count: Int { spans.count }

    public init(response: String) {
        let text = PythonText.scalars(response)
        let lines = Self.reasoningLines(text)
        let candidates: [(Source, [Range<Int>])] = [
            (.stepTags, Self.stepTag.allMatches(in: text).map(\.range)),
            (.stepLines, Self.headedSteps(lines, in: text, header: Self.stepLine)),
            (.stepHeaders, Self.headedSteps(lines, in: text, header: Self.stepHeader)),
            (.paragraphs, Self.paragraphs(lines, in: text)),
        ]
        let winner = candidates.first { !$0.1.isEmpty }
        source = winner?.0
        spans = winner?.1 ?? []
    }

    static let stepTag = PythonRegex(
        #"<step[^>]*>(.*?)(?=<step[^>]*>|</think>|</answer>|$)"#, flags: [.dotAll, .ignoreCase])
    static let stepLine = PythonRegex(#"\s*[*_]*Step\s*\d+[*_]*\s*:"#, flags: .ignoreCase)
    static let stepHeader = PythonRegex(#"\s*#+\s*[*_]*Step\s*\d+"#, flags: .ignoreCase)
    static let thinkOpening = PythonRegex("<think>", flags: .ignoreCase)
    static let reasoningEnd = PythonRegex("<(?:/think|answer)>", flags: .ignoreCase)

    /// The lines of the reasoning region, without their newlines.
    private static func reasoningLines(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        let end = reasoningEnd.firstMatch(in: text)?.range.lowerBound ?? text.count
        let opening = thinkOpening.firstMatch(in: text)
        let start = opening.map { $0.range.upperBound <= end ? $0.range.upperBound : 0 } ?? 0
        var lines: [Range<Int>] = []
        var lineStart = start
        for position in start..<end where text[position] == "\n" {
            lines.append(lineStart..<position)
            lineStart = position + 1
        }
        lines.append(lineStart..<end)
        return lines
    }

    private static func headedSteps(_ lines: [Range<Int>], in text: [Unicode.Scalar], header: PythonRegex)
        -> [Range<Int>]
    {
        let headerLines = lines.indices.filter { header.prefixMatch(in: Array(text[lines[$0]]), at: 0) != nil }
        return headerLines.enumerated().compactMap { number, lineIndex in
            let last = number + 1 < headerLines.count ? headerLines[number + 1] - 1 : lines.count - 1
            return trimmed(lines[lineIndex].lowerBound..<lines[last].upperBound, in: text)
        }
    }

    private static func paragraphs(_ lines: [Range<Int>], in text: [Unicode.Scalar]) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var paragraphStart: Int?
        for line in lines {
            let isBlank = trimmed(line, in: text) == nil
            if isBlank, let start = paragraphStart {
                spans.append(trimmed(start..<line.lowerBound, in: text)!)
                paragraphStart = nil
            } else if !isBlank && paragraphStart == nil {
                paragraphStart = line.lowerBound
            }
        }
        if let start = paragraphStart, let last = lines.last {
            spans.append(trimmed(start..<last.upperBound, in: text)!)
        }
        return spans
    }

    /// `range` without whitespace at either end; nil when nothing else is left.
    private static func trimmed(_ range: Range<Int>, in text: [Unicode.Scalar]) -> Range<Int>? {
        guard let first = range.first(where: { !PythonText.isSpace(text[$0]) }) else { return nil }
        let last = range.reversed().first { !PythonText.isSpace(text[$0]) }!
        return first..<(last + 1)
    }
}
