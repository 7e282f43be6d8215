// Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: the L2 norm over every gradient
// element of every tensor; when it exceeds the limit, all gradients are scaled by
// limit / (norm + 1e-6). The norm is summed in Double (millions of squares in float32 lose digits).

public enum GradientClipping {
    public static func globalNorm(_ gradients: ModelParameters) -> Double {
        var squares = 0.0
        for tensor in gradients.all {
            let g = tensor.pointer
            for i in 0..<tensor.count { squares += Double(g[i]) * Double(g[i]) }
        }
        return squares.squareRoot()
    }

    /// Scales `gradients` so that their global norm is at most `maximumNorm`; returns the norm before.
    @discardableResult
    public static func clip(_ gradients: ModelParameters, maximumNorm: Double) -> Double {
        let norm = globalNorm(gradients)
        let coefficient = Float(maximumNorm / (norm + 1e-6))
        if coefficient < 1 {
            for tensor in gradients.all {
                let g = tensor.pointer
                for i in 0..<tensor.count { g[i] *= coefficient }
            }
        }
        return norm
    }
}
