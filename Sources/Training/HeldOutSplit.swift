// The held-out split: a seeded shuffle, then the first `fraction` of the items (at least one when
// there are two or more and the fraction is positive) for evaluation, the rest for training.
// Pretraining splits whole documents before cutting them into windows, so that no held-out text is
// also trained on.

import Engine

public enum HeldOutSplit {
    public static func split<Item>(_ items: [Item], fraction: Double, seed: UInt64) -> (
        training: [Item], evaluation: [Item]
    ) {
        var random = SeededRandom(seed: seed)
        let shuffled = items.shuffled(using: &random)
        let count = items.count >= 2 && fraction > 0 ? max(1, Int(Double(items.count) * fraction)) : 0
        return (Array(shuffled.dropFirst(count)), Array(shuffled.prefix(count)))
    }
}
