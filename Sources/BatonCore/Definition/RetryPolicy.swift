/// How a failed task step is tried again.
///
/// Set on a task step (`retry:`), as a default for every task step of a definition (top-level
/// `retry:`), or for the whole service (`Engine.defaultRetryPolicy`); the most specific one
/// applies, whole (fields are not merged across levels, so what a step says is all that applies).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. 1 means no retry.
    public var maxAttempts: Int
    /// Delay before the second attempt.
    public var initialIntervalMilliseconds: Int64
    /// Each further delay is the previous one times this (≥ 1).
    public var backoffCoefficient: Double
    /// No delay is longer than this.
    public var maxIntervalMilliseconds: Int64
    public var jitter: Jitter
    /// When set, only these error codes are retried.
    public var retryOn: Set<String>?
    /// These error codes are never retried (checked before `retryOn`).
    public var nonRetryable: Set<String>
    /// The retry budget: no attempt is scheduled to start later than this after the first one.
    public var maxElapsedMilliseconds: Int64?

    /// Spreads retries so that many instances failing together do not retry together.
    public enum Jitter: Sendable, Hashable {
        /// Exactly the computed delay.
        case none
        /// Uniform in [0, delay] ("full jitter").
        case full
        /// Uniform in [delay × (1 − f), delay × (1 + f)], then capped at `maxInterval`; 0 < f ≤ 1.
        case proportional(Double)
    }

    public init(
        maxAttempts: Int = 3, initialIntervalMilliseconds: Int64 = 1000, backoffCoefficient: Double = 2,
        maxIntervalMilliseconds: Int64 = 100_000, jitter: Jitter = .none, retryOn: Set<String>? = nil,
        nonRetryable: Set<String> = [], maxElapsedMilliseconds: Int64? = nil
    ) {
        self.maxAttempts = maxAttempts
        self.initialIntervalMilliseconds = initialIntervalMilliseconds
        self.backoffCoefficient = backoffCoefficient
        self.maxIntervalMilliseconds = maxIntervalMilliseconds
        self.jitter = jitter
        self.retryOn = retryOn
        self.nonRetryable = nonRetryable
        self.maxElapsedMilliseconds = maxElapsedMilliseconds
    }

    /// One attempt, no retry: the service default unless configured otherwise, so nothing is
    /// repeated that its author did not ask to repeat.
    public static let none = RetryPolicy(maxAttempts: 1)
}

/// What to do after an attempt failed.
public enum RetryDecision: Sendable, Hashable {
    /// Start attempt `attempt` at `at` (`delayMilliseconds` after the failure).
    case retry(attempt: Int, at: Timestamp, delayMilliseconds: Int64)
    /// Stop: the step has failed for good.
    case giveUp(GiveUpReason)

    public enum GiveUpReason: String, Sendable, Hashable {
        /// The result said `retryable: false`.
        case notRetryable = "NOT_RETRYABLE"
        /// The code is in `nonRetryable`, or `retryOn` is set and does not list it.
        case codeNotRetried = "CODE_NOT_RETRIED"
        case attemptsExhausted = "ATTEMPTS_EXHAUSTED"
        /// The next attempt would start after `maxElapsed`.
        case budgetExhausted = "BUDGET_EXHAUSTED"
    }
}

extension RetryPolicy {
    /// The retry maths, in one pure function.
    ///
    /// - Parameters:
    ///   - attempt: the attempt that just failed (1 for the first).
    ///   - code / retryable: the failure.
    ///   - firstAttemptAt: when attempt 1 was scheduled (the budget counts from there).
    ///   - now: when the failure was handled.
    ///   - seed: the jitter's only source of randomness; the engine derives it from the instance,
    ///     step and attempt, so a replay computes the same delay.
    public func decide(attempt: Int, code: String, retryable: Bool, firstAttemptAt: Timestamp, now: Timestamp, seed: UInt64) -> RetryDecision {
        guard retryable else { return .giveUp(.notRetryable) }
        if nonRetryable.contains(code) { return .giveUp(.codeNotRetried) }
        if let retryOn, !retryOn.contains(code) { return .giveUp(.codeNotRetried) }
        guard attempt < maxAttempts else { return .giveUp(.attemptsExhausted) }
        let delay = delayMilliseconds(afterAttempt: attempt, seed: seed)
        let at = now.adding(milliseconds: delay)
        if let maxElapsedMilliseconds, at.milliseconds(since: firstAttemptAt) > maxElapsedMilliseconds {
            return .giveUp(.budgetExhausted)
        }
        return .retry(attempt: attempt + 1, at: at, delayMilliseconds: delay)
    }

    /// The delay after attempt `n` fails: `min(maxInterval, initial × coefficient^(n−1))`, then jitter.
    public func delayMilliseconds(afterAttempt n: Int, seed: UInt64) -> Int64 {
        let cap = Double(maxIntervalMilliseconds)
        var base = Double(initialIntervalMilliseconds)
        var step = 1
        while step < n, base < cap {
            base *= max(1, backoffCoefficient)
            step += 1
        }
        base = min(cap, base)
        var random = SplitMix64(seed: seed)
        let unit = random.nextUnit()
        let jittered: Double
        switch jitter {
        case .none: jittered = base
        case .full: jittered = base * unit
        case .proportional(let f): jittered = min(cap, base * (1 - f + 2 * f * unit))
        }
        return Int64(max(0, jittered).rounded())
    }
}

/// Deterministic randomness for jitter (SplitMix64): the same seed, the same delays.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// FNV-1a over UTF-8: a stable hash for seeds (Swift's `Hasher` is randomised per process).
func stableHash(_ parts: String...) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for part in parts {
        for byte in part.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        hash ^= 0xFF
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}
