// What Stage I keeps of a model's reply: the text after the first `</think>` (all of it without one),
// trimmed, as the release strips thinking before parsing and before using a reply as a target or as the
// input of the next call (spark-paper.md §2.5, §2.8).

enum ReplyText {
    static func visible(_ text: String) -> String {
        let visible = text.firstRange(of: "</think>").map { text[$0.upperBound...] } ?? text[...]
        return String(visible.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
