// The subset of Python `re` syntax that the SPARK release's patterns use, parsed into a tree.
//
// Every pattern in this module is written exactly as in the release (salman-lui/mixed_reward,
// `run_scripts/math_gen_rm_reward_function.py`), so a reader can diff them by eye. Matching is done by
// `RegexMatcher` with Python's semantics; Swift's `Regex` is not used because its defaults differ (`.`
// and case folding work on grapheme clusters, `$` is not Python's) and it is slow on Linux.
//
// Supported: literals and escaped punctuation, `.`, `\s`, `\S`, `\d`, `[...]` and `[^...]` of literal
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
        case set([Unicode.Scalar], negated: Bool)

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .literal(let expected, let ignoreCase):
                return ignoreCase ? PythonText.caseFolded(scalar) == expected : scalar == expected
            case .any: return true
            case .anyButNewline: return scalar != "\n"
            case .space: return PythonText.isSpace(scalar)
            case .nonSpace: return !PythonText.isSpace(scalar)
            case .decimalDigit: return PythonText.isDecimalDigit(scalar)
            case .set(let members, let negated): return members.contains(scalar) != negated
            }
        }
    }

    indirect enum Node: Sendable {
        case character(CharacterTest)
        /// Repetition of a single character, the only kind the release's patterns use; it keeps matching
        /// iterative, so long texts cannot exhaust the stack.
        case repetition(CharacterTest, minimum: Int, lazy: Bool)
        case sequence([Node])
        case alternation([Node])
        case group(index: Int, Node)
        case lookahead(Node)
        case endOfText
    }

    let pattern: String
    let root: Node
    let groupCount: Int

    init(_ pattern: String, flags: Flags = []) {
        var parser = Parser(pattern: Array(pattern.unicodeScalars), flags: flags)
        root = parser.parseAlternation()
        precondition(parser.position == parser.pattern.count, "unsupported syntax in pattern \(pattern)")
        groupCount = parser.groupCount
        self.pattern = pattern
    }

    private struct Parser {
        let pattern: [Unicode.Scalar]
        let flags: Flags
        var position = 0
        var groupCount = 0

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

        mutating func parseAlternation() -> Node {
            var options = [parseSequence()]
            while next == "|" {
                position += 1
                options.append(parseSequence())
            }
            return options.count == 1 ? options[0] : .alternation(options)
        }

        mutating func parseSequence() -> Node {
            var items: [Node] = []
            while let scalar = next, scalar != "|", scalar != ")" {
                items.append(parseQuantified())
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        mutating func parseQuantified() -> Node {
            let atom = parseAtom()
            guard let quantifier = next, quantifier == "*" || quantifier == "+" else { return atom }
            position += 1
            let lazy = next == "?"
            if lazy { position += 1 }
            guard case .character(let test) = atom else {
                preconditionFailure("only single characters may be repeated")
            }
            return .repetition(test, minimum: quantifier == "+" ? 1 : 0, lazy: lazy)
        }

        mutating func parseAtom() -> Node {
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
                case "=": return .lookahead(inner)
                case ":": return inner
                default: return .group(index: index, inner)
                }
            case "[":
                let negated = next == "^"
                if negated { position += 1 }
                var members: [Unicode.Scalar] = []
                while next != "]" {
                    let member = take()
                    members.append(member == "\\" ? take() : member)
                }
                position += 1
                precondition(!flags.contains(.ignoreCase) || members.allSatisfy { !$0.properties.isAlphabetic })
                return .character(.set(members, negated: negated))
            case ".":
                return .character(flags.contains(.dotAll) ? .any : .anyButNewline)
            case "$":
                return .endOfText
            case "\\":
                let escaped = take()
                switch escaped {
                case "s": return .character(.space)
                case "S": return .character(.nonSpace)
                case "d": return .character(.decimalDigit)
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

        func literal(_ scalar: Unicode.Scalar) -> Node {
            let ignoreCase = flags.contains(.ignoreCase) && scalar.properties.isAlphabetic
            return .character(.literal(ignoreCase ? PythonText.caseFolded(scalar) : scalar, ignoreCase: ignoreCase))
        }
    }
}
