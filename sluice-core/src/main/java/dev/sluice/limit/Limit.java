package dev.sluice.limit;

import dev.sluice.Context;
import java.util.function.IntConsumer;

/**
 * A concurrency limit: how many requests (in units of weight) may be in flight at once, possibly adapting
 * to the latencies and drops it is told about. A {@link ConcurrencyLimiter} reads {@link #currentLimit()}
 * and reports every released {@link Permit} through {@link #onSample}.
 *
 * <p>Implementations in this package: {@link FixedLimit} (never changes), {@link AimdLimit} (additive
 * increase, multiplicative decrease on drops or slow responses) and {@link GradientLimit} (follows the
 * ratio between a baseline latency and the latency now). They are thread-safe, do not allocate in
 * {@code onSample}, never block, and keep the limit between a floor of at least 1 and a ceiling.
 *
 * <p>Times are nanoseconds from whatever clock the caller uses (the limiter's injectable clock), so
 * implementations never read a clock of their own and tests can drive them with simulated time.
 */
public interface Limit {

    /** The limit now, at least 1. */
    int currentLimit();

    /**
     * Reports one finished request.
     *
     * @param startNanos when the request was admitted, on the caller's clock
     * @param rttNanos how long it took, at least 0
     * @param inflight how many units were in flight when it was admitted (including itself)
     * @param dropped true if it failed because of overload (timeout, rejection), false for a success
     * @throws IllegalArgumentException if {@code rttNanos} or {@code inflight} is negative
     */
    void onSample(long startNanos, long rttNanos, int inflight, boolean dropped);

    /**
     * Registers {@code listener} to be called with the new value each time {@link #currentLimit()}
     * changes. It is called on the thread that reported the sample causing the change, after the change
     * and outside any lock, so it must be short; an exception it throws goes to that thread's uncaught
     * exception handler and does not reach the reporter. Close the registration to remove it.
     */
    Context.Registration onChange(IntConsumer listener);
}
