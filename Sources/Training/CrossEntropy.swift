// Softmax cross-entropy of logit rows against target ids. The loss of a row is
// logsumexp(z) − z[target], in Double so that finite differences of the loss (GradientTests)
// see the parameters' effect rather than rounding; its gradient with respect to z is
// softmax(z) − onehot(target), written over the logits in place to save a [rows, vocab] buffer.

import CKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum CrossEntropy {
    /// Returns −log softmax(logits[row])[targets[row]] for each row (its target's −log π) and replaces
    /// each row of `logits` by its gradient.
    static func rowLossesAndGradient(
        logits: UnsafeMutablePointer<Float>, rows: Int, vocabulary: Int, targets: [Int32]
    ) -> [Double] {
        precondition(targets.count == rows, "one target per row")
        let isa = sk_best_isa()
        var losses: [Double] = []
        losses.reserveCapacity(rows)
        for row in 0..<rows {
            let z = logits + row * vocabulary
            let target = Int(targets[row])
            precondition(target >= 0 && target < vocabulary, "target id \(target) outside the vocabulary")
            // The sampler's vectorised passes: the maximum, Σ exp(z − max) in double, exp in place.
            let maximum = sk_max(z, vocabulary)
            let sum = sk_exp_sum(z, vocabulary, 1, maximum)
            losses.append(log(sum) - Double(z[target] - maximum))
            for i in 0..<vocabulary { z[i] -= maximum }
            sk_exp_with_isa(isa, z, z, vocabulary)
            let inverse = Float(1 / sum)
            for i in 0..<vocabulary { z[i] *= inverse }
            z[target] -= 1
        }
        return losses
    }
}
