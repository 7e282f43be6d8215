// Added tokens (`added_tokens` in tokenizer.json: special tokens such as `<|im_end|>` and non-special
// ones such as `<think>`), found in the text before normalization and BPE. Matches HF tokenizers'
// `tokenizer/added_vocabulary.rs`:
// - ids are not read from the file: each token gets its vocabulary id if its content is in the
//   model's vocabulary, else the next id from the vocabulary's size on, in file order (HF only warns
//   when the file says otherwise);
// - tokens with `normalized: false` are matched in the raw text, the others in the normalized text,
//   as the normalizer writes them (and they decode to that normalized form);
// - matching is leftmost-longest and non-overlapping; then `single_word` drops a match that touches a
//   word character (`\w`) on either side, `lstrip` / `rstrip` extend it over the whitespace (`\s`)
//   before / after it, so that whitespace disappears into the token.

struct AddedToken: Sendable, Equatable {
    let content: String
    let singleWord: Bool
    let leftStrip: Bool
    let rightStrip: Bool
    let normalized: Bool
    let special: Bool
}

struct AddedVocabulary: Sendable {
    /// A stretch of text: an added token (`id`), or text still to encode (`id` nil).
    struct Segment {
        let id: Int32?
        let range: Range<Int>
    }

    /// Content → id.
    let idOfContent: [String: Int32]
    /// Id → the token, and the string it decodes from (the normalized content for normalized tokens).
    let tokenOfID: [Int32: AddedToken]
    let decodedContent: [Int32: String]
    let specialContents: Set<String>
    private let rawMatcher: TokenMatcher
    private let normalizedMatcher: TokenMatcher

    /// `add_tokens`, called once with every token in file order.
    init(tokens: [AddedToken], vocabulary: [String: Int32], normalizer: Normalizer?) {
        var idOfContent: [String: Int32] = [:]
        var tokenOfID: [Int32: AddedToken] = [:]
        var decodedContent: [Int32: String] = [:]
        var specialContents: Set<String> = []
        var nextID = Int32(vocabulary.count)
        for token in tokens where !token.content.isEmpty {
            if let id = idOfContent[token.content], tokenOfID[id] == token { continue }
            let id: Int32
            if let known = idOfContent[token.content] ?? vocabulary[token.content] {
                id = known
            } else {
                id = nextID
                nextID += 1
            }
            if token.normalized, let normalizer {
                let normalized = normalizer.apply(token.content)
                // Compared as bytes: String's == treats canonically equivalent text as equal.
                if !normalized.utf8.elementsEqual(token.content.utf8) { decodedContent[id] = normalized }
            }
            idOfContent[token.content] = id
            if token.special { specialContents.insert(token.content) }
            tokenOfID[id] = token
        }
        self.idOfContent = idOfContent
        self.tokenOfID = tokenOfID
        self.decodedContent = decodedContent
        self.specialContents = specialContents
        rawMatcher = TokenMatcher(
            patterns: tokenOfID.filter { !$0.value.normalized }.map { ($0.value.content, $0.key) })
        normalizedMatcher = TokenMatcher(
            patterns: tokenOfID.filter { $0.value.normalized }.map {
                (decodedContent[$0.key] ?? $0.value.content, $0.key)
            })
    }

    /// `find_matches`: cuts `text` into added tokens and the text around them. `normalized` chooses
    /// the tokens matched in normalized text. Empty stretches are left out, as HF's split does.
    func split(_ text: [UInt8], normalized: Bool) -> [Segment] {
        let matcher = normalized ? normalizedMatcher : rawMatcher
        var segments: [Segment] = []
        var startOffset = 0
        var searchFrom = 0
        while let match = matcher.nextMatch(in: text, from: searchFrom) {
            searchFrom = match.range.upperBound
            let token = tokenOfID[match.id]!
            var start = match.range.lowerBound
            var stop = match.range.upperBound
            if token.singleWord {
                let wordBefore = start > 0 && Self.isWordCharacter(text.lastScalar(before: start))
                let wordAfter = stop < text.count && Self.isWordCharacter(text.scalar(at: stop))
                if wordBefore || wordAfter { continue }
            }
            if token.leftStrip {
                var newStart = start
                while newStart > 0 && text.lastScalar(before: newStart).properties.isWhitespace {
                    newStart -= text.lastScalar(before: newStart).utf8.count
                }
                start = max(newStart, startOffset)
            }
            if token.rightStrip {
                while stop < text.count && text.scalar(at: stop).properties.isWhitespace {
                    stop += text.scalar(at: stop).utf8.count
                }
            }
            if startOffset < start { segments.append(Segment(id: nil, range: startOffset..<start)) }
            segments.append(Segment(id: match.id, range: start..<stop))
            startOffset = stop
        }
        if startOffset < text.count { segments.append(Segment(id: nil, range: startOffset..<text.count)) }
        return segments
    }

    /// Rust regex `\w`: Alphabetic, marks, decimal digits, connector punctuation, join controls.
    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}

/// Leftmost-longest matching of a few hundred patterns at most, as a byte trie.
private struct TokenMatcher: Sendable {
    private var children: [[UInt8: Int32]] = [[:]]
    /// The id of the token ending at each node, or -1.
    private var ids: [Int32] = [-1]
    private var startsToken = [Bool](repeating: false, count: 256)

    init(patterns: [(String, Int32)]) {
        for (pattern, id) in patterns {
            var node = 0
            for byte in pattern.utf8 {
                if let child = children[node][byte] {
                    node = Int(child)
                } else {
                    children.append([:])
                    ids.append(-1)
                    children[node][byte] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            ids[node] = id
            if let first = pattern.utf8.first { startsToken[Int(first)] = true }
        }
    }

    func nextMatch(in text: [UInt8], from start: Int) -> (id: Int32, range: Range<Int>)? {
        var position = start
        while position < text.count {
            if startsToken[Int(text[position])] {
                var node = 0
                var best: (id: Int32, range: Range<Int>)?
                var index = position
                while index < text.count, let child = children[node][text[index]] {
                    node = Int(child)
                    index += 1
                    if ids[node] >= 0 { best = (ids[node], position..<index) }
                }
                if let best { return best }
            }
            position += 1
        }
        return nil
    }
}

extension [UInt8] {
    /// The scalar that starts at `index` (valid UTF-8, `index` on a scalar boundary).
    fileprivate func scalar(at index: Int) -> Unicode.Scalar {
        var iterator = self[index...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return "\u{FFFD}"
    }

    /// The scalar that ends just before `index`.
    fileprivate func lastScalar(before index: Int) -> Unicode.Scalar {
        var start = index - 1
        while start > 0 && self[start] & 0xC0 == 0x80 { start -= 1 }
        return scalar(at: start)
    }
}
