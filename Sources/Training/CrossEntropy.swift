// Softmax cross-entropy of logit rows against target ids. The loss of a row is
// logsumexp(z) − z[target], summed in Double so that finite differences of the loss (GradientTests)
// see the parameters' effect rather than rounding; its gradient with respect to z is
// softmax(z) − onehot(target), written over the logits in place to save a [rows, vocab] buffer.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum CrossEntropy {
    /// Returns Σ over rows of −log softmax(logits[row])[targets[row]] and replaces each row of
    /// `logits` by its gradient.
    static func lossAndGradient(logits: UnsafeMutablePointer<Float>, rows: Int, vocabulary: Int, targets: [Int32])
        -> Double
    {
        precondition(targets.count == rows, "one target per row")
        var total = 0.0
        for row in 0..<rows {
            let z = logits + row * vocabulary
            let target = Int(targets[row])
            precondition(target >= 0 && target < vocabulary, "target id \(target) outside the vocabulary")
            var maximum = -Float.infinity
            for i in 0..<vocabulary { maximum = max(maximum, z[i]) }
            let shiftedTarget = Double(z[target] - maximum)
            var sum = 0.0
            for i in 0..<vocabulary {
                let weight = expf(z[i] - maximum)
                z[i] = weight
                sum += Double(weight)
            }
            total += log(sum) - shiftedTarget
            let inverse = Float(1 / sum)
            for i in 0..<vocabulary { z[i] *= inverse }
            z[target] -= 1
        }
        return total
    }
}
