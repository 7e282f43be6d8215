// Backtracking matcher for `PythonRegex`, with the semantics of Python's `re.search` and `re.finditer`.
//
// Python's engine is a backtracking one, and the release's patterns depend on its choices: the first
// start position wins, alternatives are tried left to right, a lazy `.*?` takes the shortest run that lets
// the rest match, a greedy `.*` the longest. This matcher makes the same choices in the same order, so it
// returns the same match, not merely a match. Tests compare it with Python on every corpus case.

/// One match: its range and the range of every capturing group (nil when the group took no part), all
/// in Unicode-scalar offsets (Python `str` indices).
struct RegexMatch: Equatable, Sendable {
    let range: Range<Int>
    let groups: [Range<Int>?]
}

extension PythonRegex {
    /// `re.search(pattern, text[start:])` with offsets into the whole text.
    func firstMatch(in text: [Unicode.Scalar], from start: Int = 0) -> RegexMatch? {
        let matcher = RegexMatcher(regex: self, text: text)
        let candidates = (start...text.count).lazy.filter { matcher.canStart(root, at: $0) }
        return candidates.compactMap { matcher.prefixMatch(at: $0) }.first
    }

    /// `re.match(pattern, text, pos=position)`: a match that starts exactly at `position`.
    func prefixMatch(in text: [Unicode.Scalar], at position: Int) -> RegexMatch? {
        RegexMatcher(regex: self, text: text).prefixMatch(at: position)
    }

    /// `re.finditer`: non-overlapping matches, left to right. None of the module's patterns can match the
    /// empty string, which keeps the resumption rule simple: the next search starts where a match ended.
    func allMatches(in text: [Unicode.Scalar]) -> [RegexMatch] {
        var matches: [RegexMatch] = []
        var position = 0
        while let found = firstMatch(in: text, from: position) {
            precondition(!found.range.isEmpty, "pattern \(pattern) matched the empty string")
            matches.append(found)
            position = found.range.upperBound
        }
        return matches
    }

    func matchCount(in text: [Unicode.Scalar]) -> Int { allMatches(in: text).count }
}

private final class RegexMatcher {
    let nodes: [PythonRegex.Node]
    let children: [Int]
    let firstCharacters: [PythonRegex.CharacterTest?]
    let root: Int
    let text: [Unicode.Scalar]
    var groups: [Range<Int>?]

    init(regex: PythonRegex, text: [Unicode.Scalar]) {
        (nodes, children, firstCharacters, root) = (regex.nodes, regex.children, regex.firstCharacters, regex.root)
        self.text = text
        groups = Array(repeating: nil, count: regex.groupCount)
    }

    func prefixMatch(at position: Int) -> RegexMatch? {
        var end = position
        let matched = match(root, at: position) { found in
            end = found
            return true
        }
        return matched ? RegexMatch(range: position..<end, groups: groups) : nil
    }

    /// Whether node `index` may match at `position`, judging by its first character only.
    func canStart(_ index: Int, at position: Int) -> Bool {
        guard let first = firstCharacters[index] else { return true }
        return position < text.count && first.matches(text[position])
    }

    /// Matches node `index` at `position`, then hands the end position to `next`, the rest of the pattern;
    /// a false result from `next` makes the node try its next choice (backtracking).
    func match(_ index: Int, at position: Int, then next: (Int) -> Bool) -> Bool {
        switch nodes[index] {
        case .character(let test):
            return position < text.count && test.matches(text[position]) && next(position + 1)
        case .repetition(let test, let minimum, let lazy):
            return lazy
                ? matchLazily(test, minimum: minimum, at: position, then: next)
                : matchGreedily(test, minimum: minimum, at: position, then: next)
        case .sequence(let items):
            return matchSequence(items, at: position, then: next)
        case .alternation(let options):
            for option in options {
                let node = children[option]
                if canStart(node, at: position) && match(node, at: position, then: next) { return true }
            }
            return false
        case .group(let group, let inner):
            return match(inner, at: position) { end in
                let saved = groups[group]
                groups[group] = position..<end
                if next(end) { return true }
                groups[group] = saved
                return false
            }
        case .lookahead(let inner):
            return match(inner, at: position, then: { _ in true }) && next(position)
        case .endOfText:
            let atEnd = position == text.count || (position == text.count - 1 && text[position] == "\n")
            return atEnd && next(position)
        }
    }

    private func matchSequence(_ items: Range<Int>, at position: Int, then next: (Int) -> Bool) -> Bool {
        guard let first = items.first else { return next(position) }
        return match(children[first], at: position) { matchSequence(items.dropFirst(), at: $0, then: next) }
    }

    private func matchGreedily(
        _ test: PythonRegex.CharacterTest, minimum: Int, at position: Int, then next: (Int) -> Bool
    ) -> Bool {
        var end = position
        while end < text.count && test.matches(text[end]) { end += 1 }
        while end - position >= minimum {
            if next(end) { return true }
            end -= 1
        }
        return false
    }

    private func matchLazily(
        _ test: PythonRegex.CharacterTest, minimum: Int, at position: Int, then next: (Int) -> Bool
    ) -> Bool {
        var end = position
        while true {
            if end - position >= minimum && next(end) { return true }
            guard end < text.count && test.matches(text[end]) else { return false }
            end += 1
        }
    }
}
