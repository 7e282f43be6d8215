// Decodes ids as a model generates them, emitting text as soon as it is complete: a character whose
// UTF-8 bytes are split across tokens (an emoji, a CJK character) is held back until its last byte
// arrives. Bytes that can no longer become a valid character are emitted as U+FFFD at once.
//
// The pieces always add up to `decode(ids)`: a piece ends just before a lead byte, and no invalid
// subsequence reaches across a lead byte, so cutting there changes nothing in the lossy decoding.
// (HF's own `decode_stream` instead re-decodes a window of tokens; its pieces can differ, its total
// cannot.)

public struct StreamingDecoder {
    private let tokenizer: Tokenizer
    private let skipSpecialTokens: Bool
    /// Bytes received and not yet emitted: at most the first bytes of one character.
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer, skipSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// The text completed by `id` (often empty while a character is incomplete).
    public mutating func append(_ id: Int32) -> String {
        tokenizer.appendBytes(of: id, skipSpecialTokens: skipSpecialTokens, to: &pending)
        let cut = pending.count - Self.incompleteSuffixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is left, with U+FFFD for a character that never completed.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of the suffix of `bytes` that is the start of a valid UTF-8 sequence still missing
    /// bytes, or 0.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        guard let lead = bytes.indices.suffix(4).last(where: { bytes[$0] & 0xC0 != 0x80 }) else { return 0 }
        let tail = bytes[(lead + 1)...]
        let byte = bytes[lead]
        let needed: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch byte {
        case 0xC2...0xDF: needed = 1
        case 0xE0:
            needed = 2
            second = 0xA0...0xBF
        case 0xED:
            needed = 2
            second = 0x80...0x9F
        case 0xE1...0xEF: needed = 2
        case 0xF0:
            needed = 3
            second = 0x90...0xBF
        case 0xF4:
            needed = 3
            second = 0x80...0x8F
        case 0xF1...0xF3: needed = 3
        default: return 0
        }
        guard tail.count < needed else { return 0 }
        if let first = tail.first, !second.contains(first) { return 0 }
        return tail.count + 1
    }
}
