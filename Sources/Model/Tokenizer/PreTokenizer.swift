// The pre-tokenizer: cuts normalized text into the pieces that BPE encodes one by one. It matches HF
// tokenizers' `Split` (behavior Isolated, invert false) with the Qwen2, Llama-3 or GPT-2 pattern, the
// `ByteLevel` pre-tokenizer (add_prefix_space, use_regex with GPT-2's pattern) and a `Sequence` of
// them. Other pre-tokenizers and patterns are rejected when the tokenizer is loaded.
//
// The patterns are not run by a regex engine: Swift Regex measured about 150 times slower than a hand
// scanner and splits `"\r\n"` wrongly under its default grapheme semantics (reference
// swift-c-probes.md, section 4). `PatternScanner` walks Unicode scalars instead, each alternative of
// the pattern written out as the backtracking regex engine (Oniguruma, in HF) would resolve it.

/// What a scalar is to the patterns: `\p{L}`, `\p{N}`, `\s` other than CR and LF, CR or LF, or anything
/// else. The letter and number classes are HF's (Oniguruma's), which knows Unicode 16.0: scalars
/// assigned later are "other" to it, whatever Swift's newer tables say.
enum ScalarClass: UInt8 {
    case letter, number, space, newline, other

    var isWhitespace: Bool { self == .space || self == .newline }

    init(_ scalar: Unicode.Scalar) {
        if scalar.value == 0x0A || scalar.value == 0x0D {
            self = .newline
            return
        }
        let properties = scalar.properties
        if properties.isWhitespace {
            self = .space
            return
        }
        if let age = properties.age, age.major > 16 {
            self = .other
            return
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
        case .decimalNumber, .letterNumber, .otherNumber: self = .number
        default: self = .other
        }
    }

    /// Classes of the Basic Multilingual Plane, built once: a `properties` lookup costs about 50 ns, a
    /// table read about 1 ns (probes, section 4).
    static let basicPlane: [ScalarClass] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map(ScalarClass.init) ?? .other
    }

    static func of(_ value: UInt32) -> ScalarClass {
        if value < 0x10000 { return basicPlane[Int(value)] }
        return Unicode.Scalar(value).map(ScalarClass.init) ?? .other
    }
}

/// The split patterns this scanner knows, recognised by their exact text in tokenizer.json.
public enum SplitPattern: String, Sendable, CaseIterable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case qwen2
    /// As Qwen2, with `\p{N}{1,3}` for `\p{N}`.
    case llama3

    static let gpt2Text = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let qwen2Text =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let llama3Text =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    public var text: String {
        switch self {
        case .gpt2: Self.gpt2Text
        case .qwen2: Self.qwen2Text
        case .llama3: Self.llama3Text
        }
    }

    init?(text: String) {
        switch text {
        case Self.gpt2Text: self = .gpt2
        case Self.qwen2Text: self = .qwen2
        case Self.llama3Text: self = .llama3
        default: return nil
        }
    }
}

/// One step of the pre-tokenizer, in tokenizer.json order.
enum PreTokenizerStep: Sendable {
    case split(SplitPattern)
    /// The ByteLevel pre-tokenizer. Its byte-to-character mapping needs no work here, since BPE runs
    /// on bytes; what remains is the prefix space and, with `useRegex`, a split with GPT-2's pattern.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
}

struct PreTokenizer: Sendable {
    let steps: [PreTokenizerStep]

    /// Cuts `text` into non-empty pieces, appended to `pieces` as ranges of `text` (which a prefix
    /// space may make longer than it was).
    func split(_ text: inout [UInt8], into pieces: inout [Range<Int>]) {
        pieces.removeAll(keepingCapacity: true)
        if !text.isEmpty { pieces.append(0..<text.count) }
        var scanner = PatternScanner()
        var next: [Range<Int>] = []
        for step in steps {
            switch step {
            case .split(let pattern):
                next.removeAll(keepingCapacity: true)
                for piece in pieces { scanner.split(text, piece, pattern, into: &next) }
                swap(&pieces, &next)
            case .byteLevel(let addPrefixSpace, let useRegex):
                if addPrefixSpace { Self.prefixSpaces(&text, &pieces) }
                if useRegex {
                    next.removeAll(keepingCapacity: true)
                    for piece in pieces { scanner.split(text, piece, .gpt2, into: &next) }
                    swap(&pieces, &next)
                }
            }
        }
    }

    /// HF's ByteLevel puts a space before every piece that does not start with one (not only the first).
    private static func prefixSpaces(_ text: inout [UInt8], _ pieces: inout [Range<Int>]) {
        guard pieces.contains(where: { text[$0.lowerBound] != 0x20 }) else { return }
        var spaced: [UInt8] = []
        spaced.reserveCapacity(text.count + pieces.count)
        for index in pieces.indices {
            let start = spaced.count
            if text[pieces[index].lowerBound] != 0x20 { spaced.append(0x20) }
            spaced.append(contentsOf: text[pieces[index]])
            pieces[index] = start..<spaced.count
        }
        text = spaced
    }
}

/// The scanner: decodes a piece into scalars and their classes, then finds the pattern's matches
/// left to right, as `find_iter` does. With these patterns every scalar is covered by some match,
/// so the matches are the pieces.
struct PatternScanner {
    private var classes: [ScalarClass] = []
    private var values: [UInt32] = []
    /// Byte offset of each scalar, and one past the last.
    private var offsets: [Int] = []

    mutating func split(_ text: [UInt8], _ range: Range<Int>, _ pattern: SplitPattern, into pieces: inout [Range<Int>])
    {
        decode(text, range)
        let count = classes.count
        var start = 0
        while start < count {
            let end: Int
            switch pattern {
            case .gpt2: end = gpt2Match(at: start)
            case .qwen2: end = qwenMatch(at: start, maxDigits: 1)
            case .llama3: end = qwenMatch(at: start, maxDigits: 3)
            }
            pieces.append(offsets[start]..<offsets[end])
            start = end
        }
    }

    private mutating func decode(_ text: [UInt8], _ range: Range<Int>) {
        classes.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        var index = range.lowerBound
        while index < range.upperBound {
            let lead = text[index]
            var value = UInt32(lead)
            var length = 1
            // The input is valid UTF-8 (it comes from a String), so the lead byte gives the length.
            if lead >= 0xF0 {
                length = 4
                value &= 0x07
            } else if lead >= 0xE0 {
                length = 3
                value &= 0x0F
            } else if lead >= 0xC0 {
                length = 2
                value &= 0x1F
            }
            for offset in 1..<length { value = value << 6 | UInt32(text[index + offset] & 0x3F) }
            offsets.append(index)
            values.append(value)
            classes.append(ScalarClass.of(value))
            index += length
        }
        offsets.append(index)
    }

    /// End of the run of scalars of class `kind` that starts at `start`.
    private func run(of kind: ScalarClass, from start: Int) -> Int {
        var end = start
        while end < classes.count && classes[end] == kind { end += 1 }
        return end
    }

    private func whitespaceRun(from start: Int) -> Int {
        var end = start
        while end < classes.count && classes[end].isWhitespace { end += 1 }
        return end
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, case-insensitive for Qwen2 and Llama-3. Under Oniguruma's case
    /// folding only ASCII letters and U+017F LONG S (which folds to s) match; checked by probing HF
    /// with every letter.
    private func contraction(at start: Int, ignoringCase: Bool) -> Int? {
        guard values[start] == 0x27, start + 1 < values.count else { return nil }
        func letter(_ index: Int) -> UInt32? {
            guard index < values.count else { return nil }
            let value = values[index]
            guard ignoringCase else { return value }
            if value == 0x17F { return 0x73 }
            return (0x41...0x5A).contains(value) ? value | 0x20 : value
        }
        switch letter(start + 1) {
        case 0x73, 0x74, 0x6D, 0x64: return start + 2  // s t m d
        case 0x72, 0x76: return letter(start + 2) == 0x65 ? start + 3 : nil  // re ve
        case 0x6C: return letter(start + 2) == 0x6C ? start + 3 : nil  // ll
        default: return nil
        }
    }

    /// The whitespace alternatives shared by all three patterns, at a whitespace scalar:
    /// `\s*[\r\n]+` (Qwen2 and Llama-3 only), then `\s+(?!\S)`, then `\s+`.
    private func whitespaceMatch(at start: Int, newlines: Bool) -> Int {
        let end = whitespaceRun(from: start)
        if newlines, let last = (start..<end).last(where: { classes[$0] == .newline }) {
            // `\s*` backs off to the last CR or LF of the run, which `[\r\n]+` then takes.
            return last + 1
        }
        // `(?!\S)` fails before a non-space, so `\s+` gives its last scalar back if it can.
        if end == classes.count || end - 1 == start { return end }
        return end - 1
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|`
    /// `\s*[\r\n]+|\s+(?!\S)|\s+`
    private func qwenMatch(at start: Int, maxDigits: Int) -> Int {
        if let end = contraction(at: start, ignoringCase: true) { return end }
        let kind = classes[start]
        let next = start + 1 < classes.count ? classes[start + 1] : nil
        if kind == .letter { return run(of: .letter, from: start) }
        if (kind == .space || kind == .other) && next == .letter { return run(of: .letter, from: start + 1) }
        if kind == .number { return min(run(of: .number, from: start), start + maxDigits) }
        let symbolStart = values[start] == 0x20 && next == .other ? start + 1 : start
        if classes[symbolStart] == .other {
            return run(of: .newline, from: run(of: .other, from: symbolStart))
        }
        return whitespaceMatch(at: start, newlines: true)
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    private func gpt2Match(at start: Int) -> Int {
        if let end = contraction(at: start, ignoringCase: false) { return end }
        if let end = optionalSpaceRun(of: .letter, at: start) { return end }
        if let end = optionalSpaceRun(of: .number, at: start) { return end }
        if let end = optionalSpaceRun(of: .other, at: start) { return end }
        return whitespaceMatch(at: start, newlines: false)
    }

    /// ` ?X+` for the class X.
    private func optionalSpaceRun(of kind: ScalarClass, at start: Int) -> Int? {
        if classes[start] == kind { return run(of: kind, from: start) }
        if values[start] == 0x20 && start + 1 < classes.count && classes[start + 1] == kind {
            return run(of: kind, from: start + 1)
        }
        return nil
    }
}
