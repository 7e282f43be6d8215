// The subset of Python `re` syntax that the SPARK release's patterns use, parsed into a flat tree.
//
// Every release pattern in this module is written exactly as in the release (salman-lui/mixed_reward,
// `run_scripts/math_gen_rm_reward_function.py`), so a reader can diff them by eye; the project's own
// patterns (the step fallbacks) use the same syntax. Matching is done by `RegexMatcher` with Python's
// semantics. Swift's `Regex` is not used: its defaults differ (`.` and case folding work on grapheme
// clusters, `$` is not Python's), and it is slower (release build, 17 kB PRM-CoT reply: 0.33 ms for one of
// its seven patterns; this matcher reads the whole reply in 0.13 ms).
//
// Supported: literals and escaped punctuation, `.`, `\s`, `\S`, `\d`, `[...]` and `[^...]` of ASCII
// characters, `(...)`, `(?:...)`, `(?=...)`, `|`, `*`, `+`, their lazy forms `*?` and `+?` on a single
// character, and `$` (no MULTILINE: end of text, or before a newline that ends the text). Flags:
// IGNORECASE and DOTALL. Anything else is a programming error and stops at the precondition.

struct PythonRegex: Sendable {
    struct Flags: OptionSet, Sendable {
        let rawValue: Int
        static let ignoreCase = Flags(rawValue: 1)
        static let dotAll = Flags(rawValue: 2)
    }

    /// One text character's test.
    enum CharacterTest: Sendable {
        case literal(Unicode.Scalar, ignoreCase: Bool)
        case any
        case anyButNewline
        case space
        case nonSpace
        case decimalDigit
        /// `[...]` or `[^...]` of ASCII characters, as a 128-bit membership mask.
        case asciiSet(low: UInt64, high: UInt64, negated: Bool)

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .literal(let expected, let ignoreCase):
                return ignoreCase ? PythonText.caseFolded(scalar) == expected : scalar == expected
            case .any: return true
            case .anyButNewline: return scalar != "\n"
            case .space: return PythonText.isSpace(scalar)
            case .nonSpace: return !PythonText.isSpace(scalar)
            case .decimalDigit: return PythonText.isDecimalDigit(scalar)
            case .asciiSet(let low, let high, let negated):
                let value = scalar.value
                let isMember =
                    value < 64 ? low >> value & 1 == 1 : value < 128 ? high >> (value - 64) & 1 == 1 : false
                return isMember != negated
            }
        }
    }

    /// A node of the pattern tree. The tree is stored flat, composite nodes naming their children by
    /// position, so that every node is a plain value: with an indirect enum, reference counting took 85%
    /// of the matching time.
    enum Node: Sendable {
        case character(CharacterTest)
        /// Repetition of a single character, the only kind the release's patterns use; it keeps matching
        /// iterative, so long texts cannot exhaust the stack.
        case repetition(CharacterTest, minimum: Int, lazy: Bool)
        /// Items `children[range]`, in order.
        case sequence(Range<Int>)
        /// Options `children[range]`, tried in order.
        case alternation(Range<Int>)
        case group(index: Int, node: Int)
        case lookahead(node: Int)
        case endOfText
    }

    let pattern: String
    let nodes: [Node]
    /// Node indices of the items of sequences and the options of alternations.
    let children: [Int]
    let root: Int
    let groupCount: Int
    /// For every node, a test that the first character of each of its matches passes, when it starts with
    /// one. Searches skip the start positions, and alternations the options, whose character fails it: one
    /// comparison instead of a match attempt.
    let firstCharacters: [CharacterTest?]

    init(_ pattern: String, flags: Flags = []) {
        var parser = Parser(pattern: Array(pattern.unicodeScalars), flags: flags)
        root = parser.parseAlternation()
        precondition(parser.position == parser.pattern.count, "unsupported syntax in pattern \(pattern)")
        (nodes, children, groupCount) = (parser.nodes, parser.children, parser.groupCount)
        self.pattern = pattern
        firstCharacters = nodes.indices.map {
            Self.firstCharacter(of: $0, nodes: parser.nodes, children: parser.children)
        }
    }

    private static func firstCharacter(of node: Int, nodes: [Node], children: [Int]) -> CharacterTest? {
        switch nodes[node] {
        case .character(let test): return test
        case .repetition(let test, let minimum, _) where minimum > 0: return test
        case .sequence(let items) where !items.isEmpty:
            return firstCharacter(of: children[items.lowerBound], nodes: nodes, children: children)
        case .group(_, let inner): return firstCharacter(of: inner, nodes: nodes, children: children)
        default: return nil
        }
    }

    private struct Parser {
        let pattern: [Unicode.Scalar]
        let flags: Flags
        var position = 0
        var groupCount = 0
        var nodes: [Node] = []
        var children: [Int] = []

        init(pattern: [Unicode.Scalar], flags: Flags) {
            precondition(pattern.allSatisfy(\.isASCII), "patterns are ASCII")
            self.pattern = pattern
            self.flags = flags
        }

        var next: Unicode.Scalar? { position < pattern.count ? pattern[position] : nil }

        mutating func take() -> Unicode.Scalar {
            defer { position += 1 }
            return pattern[position]
        }

        mutating func add(_ node: Node) -> Int {
            nodes.append(node)
            return nodes.count - 1
        }

        mutating func addComposite(_ items: [Int], _ make: (Range<Int>) -> Node) -> Int {
            if items.count == 1 { return items[0] }
            children.append(contentsOf: items)
            return add(make((children.count - items.count)..<children.count))
        }

        mutating func parseAlternation() -> Int {
            var options = [parseSequence()]
            while next == "|" {
                position += 1
                options.append(parseSequence())
            }
            return addComposite(options, Node.alternation)
        }

        mutating func parseSequence() -> Int {
            var items: [Int] = []
            while let scalar = next, scalar != "|", scalar != ")" {
                items.append(parseQuantified())
            }
            return addComposite(items, Node.sequence)
        }

        mutating func parseQuantified() -> Int {
            let atom = parseAtom()
            guard let quantifier = next, quantifier == "*" || quantifier == "+" else { return atom }
            position += 1
            let lazy = next == "?"
            if lazy { position += 1 }
            guard case .character(let test) = nodes[atom] else {
                preconditionFailure("only single characters may be repeated")
            }
            nodes[atom] = .repetition(test, minimum: quantifier == "+" ? 1 : 0, lazy: lazy)
            return atom
        }

        mutating func parseAtom() -> Int {
            let scalar = take()
            switch scalar {
            case "(":
                var kind: Unicode.Scalar = "("
                if next == "?" {
                    position += 1
                    kind = take()
                    precondition(kind == "=" || kind == ":", "unsupported group (?\(kind)")
                }
                let index = groupCount
                if kind == "(" { groupCount += 1 }
                let inner = parseAlternation()
                precondition(take() == ")", "unbalanced parenthesis")
                switch kind {
                case "=": return add(.lookahead(node: inner))
                case ":": return inner
                default: return add(.group(index: index, node: inner))
                }
            case "[":
                let negated = next == "^"
                if negated { position += 1 }
                var (low, high): (UInt64, UInt64) = (0, 0)
                while next != "]" {
                    var member = take()
                    if member == "\\" { member = take() }
                    precondition(!flags.contains(.ignoreCase) || !member.properties.isAlphabetic, "letters in a set")
                    if member.value < 64 { low |= 1 << member.value } else { high |= 1 << (member.value - 64) }
                }
                position += 1
                return add(.character(.asciiSet(low: low, high: high, negated: negated)))
            case ".":
                return add(.character(flags.contains(.dotAll) ? .any : .anyButNewline))
            case "$":
                return add(.endOfText)
            case "\\":
                let escaped = take()
                switch escaped {
                case "s": return add(.character(.space))
                case "S": return add(.character(.nonSpace))
                case "d": return add(.character(.decimalDigit))
                default:
                    precondition(
                        !escaped.properties.isAlphabetic && !("0"..."9" ~= escaped), "unsupported \\\(escaped)")
                    return literal(escaped)
                }
            default:
                precondition(!"*+?{}^)|".unicodeScalars.contains(scalar), "unsupported syntax \(scalar)")
                return literal(scalar)
            }
        }

        mutating func literal(_ scalar: Unicode.Scalar) -> Int {
            let ignoreCase = flags.contains(.ignoreCase) && scalar.properties.isAlphabetic
            return add(
                .character(.literal(ignoreCase ? PythonText.caseFolded(scalar) : scalar, ignoreCase: ignoreCase)))
        }
    }
}
