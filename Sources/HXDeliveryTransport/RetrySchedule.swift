import HXPlace

/// When to try again: exponential back-off from `retry.initial`, doubling up to
/// `retry.max`, with jitter so that recipients coming back after an outage are
/// not hit by every worker at once; no later attempt once `giveUpAfter` has
/// passed since the first. Pure: the jitter is handed in.
package enum RetrySchedule {
    /// The wait before attempt `attempt + 1` (attempts count from 1), or nil when the
    /// next attempt would start after `giveUpAfter`. `jitter` is in 0..<1: the wait
    /// is drawn from [half, whole] of the back-off ("equal jitter"); a wait the
    /// recipient asked for (Retry-After) is honoured when longer, never past max.
    package static func wait(after attempt: Int, elapsed: Duration, retry: DeliverySettings.Retry,
                             requested: Duration? = nil, jitter: Double) -> Duration? {
        precondition(attempt >= 1 && (0..<1).contains(jitter))
        let initial = Duration.milliseconds(retry.initial), max = Duration.milliseconds(retry.max)
        var backoff = initial
        for _ in 1..<min(attempt, 62) where backoff < max { backoff = backoff * 2 }
        if backoff > max { backoff = max }
        var wait = backoff / 2 + (backoff / 2) * jitter
        if let requested, requested > wait { wait = requested < max ? requested : max }
        return elapsed + wait <= .milliseconds(retry.giveUpAfter) ? wait : nil
    }
}
