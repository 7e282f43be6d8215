// Python `str` semantics that the SPARK release's parsers depend on, reproduced exactly.
//
// The release (salman-lui/mixed_reward, `run_scripts/math_gen_rm_reward_function.py`) reads reward-model
// replies and policy responses with Python's `re`, `str.strip()` and `str.lower()`. Those use Unicode
// rules, not ASCII ones: `\s` and `strip()` know 29 whitespace code points, `\d` is any decimal digit, and
// `re.IGNORECASE` lets four non-ASCII letters stand for ASCII ones. Text is handled as an array of
// Unicode scalars because Python indexes `str` by code point, so every offset here is a Python index.
// Checked against Python 3.11 (Unicode 14) by `Tests/RewardTests/make_reply_corpus.py`.

enum PythonText {
    /// The code points of Python's `str.isspace()`, which is also what `\s` matches in a `str` pattern.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `\d` in a `str` pattern: `str.isdecimal()`, the Unicode general category Nd. Swift's Unicode
    /// tables may be a version newer than Python's; digits added since Unicode 14 are the only difference.
    static func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.numericType == .decimal
    }

    /// The key under which `re.IGNORECASE` compares a text character with an ASCII pattern letter. Python
    /// matches `s` with U+017F (long s), `k` with U+212A (Kelvin sign), and `i` with U+0130 and U+0131
    /// (dotted capital and dotless small i); every other match is plain ASCII case.
    static func caseFolded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x41...0x5A: return Unicode.Scalar(scalar.value + 0x20)!
        case 0x17F: return "s"
        case 0x212A: return "k"
        case 0x130, 0x131: return "i"
        default: return scalar
        }
    }

    /// `str.strip()`.
    static func stripped(_ text: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        guard let first = text.firstIndex(where: { !isSpace($0) }) else { return text[text.endIndex...] }
        let last = text.lastIndex(where: { !isSpace($0) })!
        return text[first...last]
    }

    /// `text.strip().lower() == word` for an ASCII lower-case `word`. No non-ASCII code point lower-cases to
    /// an ASCII letter other than `k` and `i` (checked over all of Unicode), and callers only ask for words
    /// without those, so an ASCII comparison is exact.
    static func strippedLowercaseEquals(_ text: ArraySlice<Unicode.Scalar>, _ word: String) -> Bool {
        let core = stripped(text)
        let target = Array(word.unicodeScalars)
        guard core.count == target.count else { return false }
        return zip(core, target).allSatisfy { scalar, letter in
            scalar.isASCII && caseFolded(scalar) == letter
        }
    }

    /// `text.find(needle, start)`: the offset of the first occurrence at or after `start`, or nil.
    static func find(_ needle: String, in text: [Unicode.Scalar], from start: Int = 0) -> Int? {
        let needle = Array(needle.unicodeScalars)
        guard text.count - needle.count >= start else { return nil }
        return (start...(text.count - needle.count)).first { text[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    static func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
