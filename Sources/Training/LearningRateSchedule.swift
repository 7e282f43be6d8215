// Linear warm-up, then cosine decay to a floor. For optimiser step s = 0, 1, ... of `totalSteps`:
//
//     s < warmup:  peak · (s + 1) / warmup
//     otherwise:   floor + (peak − floor) · ½ · (1 + cos(π · (s − warmup) / (totalSteps − warmup)))
//
// so the first step already moves (unlike a schedule that starts at 0) and the peak is reached at
// step `warmup`.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct LearningRateSchedule: Sendable, Equatable {
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    /// The rate the decay ends at, as a fraction of the peak.
    public var floorFraction: Double

    public init(peak: Double, warmupSteps: Int, totalSteps: Int, floorFraction: Double = 0.1) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.floorFraction = floorFraction
    }

    public func rate(atStep step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        let progress = min(1, Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps)))
        let floor = peak * floorFraction
        return floor + (peak - floor) * 0.5 * (1 + cos(Double.pi * progress))
    }
}
