package dev.sluice.limit;

/**
 * The right to run one request (of some weight) under a {@link ConcurrencyLimiter}, returned by its acquire
 * methods. Release it exactly once when the request is over, normally with try-with-resources:
 *
 * <pre>{@code
 * try (Permit p = limiter.acquire(ctx)) {
 *     callDownstream();
 * } // close(): success, with the measured latency
 * }</pre>
 *
 * <p>The three ways to release tell an adaptive {@link Limit} what happened: {@link #close()} reports a
 * success and its latency; {@link #releaseDropped()} reports that the request failed because of overload
 * (a timeout, a rejection by the downstream), which makes the limit shrink; {@link #releaseIgnored()}
 * gives the permit back without reporting anything (use it for failures that say nothing about load, such
 * as a validation error). Only the first release of a permit has any effect; later calls, from any
 * thread, do nothing. A permit is not tied to the thread that acquired it. Every release call, the first
 * or a later one, returns only once the permit's units are back in the limiter (a call racing the first
 * release waits the few instructions it takes), so after any of them {@link #isReleased()} is true and
 * {@link ConcurrencyLimiter#inflight()} no longer counts the permit.
 *
 * <p>That any-thread idempotency has a price: each permit is an object, and its first release is an
 * atomic operation of its own besides the limiter's. When a request starts and ends on one thread,
 * {@link ConcurrencyLimiter#call(dev.sluice.Context, java.util.concurrent.Callable)} and its siblings do
 * the same without a permit, and cheaper.
 *
 * <p>Memory consistency effects: actions in a thread before it releases a permit happen-before actions
 * of the thread that is then admitted with the released capacity, and actions of the thread whose
 * release took effect happen-before the return of every later release call and of an
 * {@link #isReleased()} that returns true.
 */
public interface Permit extends AutoCloseable {

    /** Releases the permit and reports a success (with the latency since it was acquired). Idempotent. */
    @Override
    void close();

    /** Releases the permit and reports that the request was dropped or timed out under load. Idempotent. */
    void releaseDropped();

    /** Releases the permit without reporting an outcome to the limit. Idempotent. */
    void releaseIgnored();

    /** The weight this permit holds (1 unless acquired with a weight). */
    int weight();

    /** True once the permit has been released by any of the three methods. */
    boolean isReleased();

    /**
     * A permit for units that are used up rather than held, such as tokens taken from a
     * {@link TokenBucket}: releasing it in any of the three ways gives nothing back and reports nothing;
     * it only marks the permit released. This is what a {@link KeyedLimiter} over token buckets hands
     * out, whether the buckets are in this process or shared (for example in Redis).
     *
     * @throws IllegalArgumentException if {@code weight < 1}
     */
    static Permit ofSpentTokens(int weight) {
        return new dev.sluice.limit.internal.SpentTokens(weight);
    }
}
