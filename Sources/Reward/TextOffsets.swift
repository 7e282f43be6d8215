// Converts the module's character offsets to UTF-8 byte offsets and back.
//
// Every span in this module counts Unicode scalars, because that is what Python's `str` indices count and
// the release's trainer feeds those indices to a Hugging Face offset mapping (spark-paper.md §4.5). A Swift
// tokenizer or an HTTP client that works on bytes converts with this table.

/// A prefix table of the UTF-8 length of every Unicode scalar of one text.
public struct TextOffsets: Sendable {
    /// `utf8Starts[i]` is the byte offset of scalar `i`; the last entry is the text's UTF-8 length.
    private let utf8Starts: [Int]

    public init(_ text: String) {
        var starts = [0]
        starts.reserveCapacity(text.unicodeScalars.count + 1)
        for scalar in text.unicodeScalars {
            starts.append(starts.last! + UTF8.width(scalar))
        }
        utf8Starts = starts
    }

    /// The number of Unicode scalars in the text.
    public var scalarCount: Int { utf8Starts.count - 1 }

    /// The UTF-8 byte offset of scalar offset `offset` (0...scalarCount).
    public func utf8Offset(ofScalarOffset offset: Int) -> Int {
        precondition(offset >= 0 && offset <= scalarCount, "scalar offset \(offset) outside 0...\(scalarCount)")
        return utf8Starts[offset]
    }

    /// The scalar offset that starts at UTF-8 byte offset `offset`, or nil when `offset` falls inside the
    /// encoding of a scalar or outside the text.
    public func scalarOffset(ofUTF8Offset offset: Int) -> Int? {
        var low = 0
        var high = utf8Starts.count
        while low < high {
            let middle = (low + high) / 2
            if utf8Starts[middle] < offset { low = middle + 1 } else { high = middle }
        }
        return low < utf8Starts.count && utf8Starts[low] == offset ? low : nil
    }

    /// The UTF-8 byte range of a scalar range.
    public func utf8Range(of scalarRange: Range<Int>) -> Range<Int> {
        utf8Offset(ofScalarOffset: scalarRange.lowerBound)..<utf8Offset(ofScalarOffset: scalarRange.upperBound)
    }
}
