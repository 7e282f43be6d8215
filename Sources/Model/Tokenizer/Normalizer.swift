// Normalizers, applied to the text between added tokens before pre-tokenization: NFC, NFD, NFKC, NFKD,
// Lowercase, Strip, Prepend, Replace (with a literal pattern) and a Sequence of them, each matching
// HF tokenizers' `normalizers/*`. Others (Bert, StripAccents, Precompiled, Nmt, ByteLevel, Replace
// with a regex) are rejected when the tokenizer is loaded.
//
// HF normalizes with the `unicode-normalization-alignments` crate, whose tables are Unicode 11.0:
// probing every scalar showed that NFKC leaves scalars assigned in 12.0 or later unchanged, where
// Foundation (Unicode 17) maps 134 of them. To such an old table a newer scalar is unassigned: a
// starter that decomposes to nothing and composes with nothing, so normalization cannot cross it.
// We therefore normalize the runs between such scalars with Foundation and keep them as they are.

import Foundation

indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    /// Per-scalar full lowercase mapping, without context (`char::to_lowercase`): final sigma stays σ.
    case lowercase
    /// Removes leading and/or trailing White_Space.
    case strip(left: Bool, right: Bool)
    /// Prepends the string to non-empty text.
    case prepend(String)
    /// Replaces every non-overlapping occurrence of `pattern`, left to right.
    case replace(pattern: String, content: String)
    case sequence([Normalizer])

    func apply(_ text: String) -> String {
        switch self {
        case .nfc:
            // Nothing below U+0300 decomposes or composes without a following mark, which is above it.
            if text.unicodeScalars.allSatisfy({ $0.value < 0x300 }) { return text }
            return Self.normalizeOldUnicode(text) { $0.precomposedStringWithCanonicalMapping }
        case .nfd:
            if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
            return Self.normalizeOldUnicode(text) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc:
            if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
            return Self.normalizeOldUnicode(text) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd:
            if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
            return Self.normalizeOldUnicode(text) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase:
            var result = String.UnicodeScalarView()
            for scalar in text.unicodeScalars {
                if scalar.isASCII {
                    result.append(scalar.properties.isUppercase ? Unicode.Scalar(scalar.value | 0x20)! : scalar)
                } else {
                    result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            return String(result)
        case .strip(let left, let right):
            var scalars = Substring(text).unicodeScalars
            if left { scalars = scalars.drop(while: \.properties.isWhitespace) }
            if right {
                while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
            }
            return String(scalars)
        case .prepend(let prefix):
            return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content):
            return Self.replace(Array(pattern.utf8), with: Array(content.utf8), in: text)
        case .sequence(let normalizers):
            return normalizers.reduce(text) { $1.apply($0) }
        }
    }

    /// The newest Unicode version HF's normalization tables know (see the file header).
    private static let knownUnicodeMajor = 11

    /// Normalizes the text in stretches: an ASCII character followed by another one (or by the end)
    /// never composes, decomposes or reorders with its neighbours, so the text can be cut around it,
    /// and the stretches made only of such characters (most of English text) need no work.
    private static func normalizeOldUnicode(_ text: String, _ normalize: (String) -> String) -> String {
        let bytes = Array(text.utf8)
        func isStable(_ index: Int) -> Bool {
            bytes[index] < 0x80 && (index + 1 == bytes.count || bytes[index + 1] < 0x80)
        }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var start = 0
        while start < bytes.count {
            let stable = isStable(start)
            var end = start + 1
            while end < bytes.count && isStable(end) == stable { end += 1 }
            if stable {
                result += bytes[start..<end]
            } else {
                let stretch = String(decoding: bytes[start..<end], as: UTF8.self)
                result += normalizeSplittingAtNewScalars(stretch, normalize).utf8
            }
            start = end
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// HF's tables are Unicode 11.0 (see the file header): later scalars are cut out and kept as is.
    private static func normalizeSplittingAtNewScalars(_ text: String, _ normalize: (String) -> String) -> String {
        var result = ""
        var run = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x300, let age = scalar.properties.age, age.major > knownUnicodeMajor {
                result += normalize(String(run))
                result.unicodeScalars.append(scalar)
                run.removeAll()
            } else {
                run.append(scalar)
            }
        }
        return result + normalize(String(run))
    }

    /// Literal replacement on UTF-8 bytes: a match of one valid UTF-8 string in another always starts
    /// and ends on scalar boundaries, so no decoding is needed.
    private static func replace(_ pattern: [UInt8], with content: [UInt8], in text: String) -> String {
        let bytes = Array(text.utf8)
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + pattern.count <= bytes.count && bytes[index..<index + pattern.count].elementsEqual(pattern) {
                result.append(contentsOf: content)
                index += pattern.count
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
