/**
 * Admission control and limits: who may start work now, and how much.
 *
 * <ul>
 * <li>{@link dev.sluice.limit.ConcurrencyLimiter}: at most N units in flight; callers wait in FIFO or
 *     LIFO-with-CoDel order, in a bounded wait queue, and hold a {@link dev.sluice.limit.Permit} (or run a
 *     scoped body with {@code call}/{@code run}/{@code tryRun}, which needs no permit).</li>
 * <li>{@link dev.sluice.limit.Limit}: where N comes from: {@link dev.sluice.limit.FixedLimit},
 *     {@link dev.sluice.limit.AimdLimit}, {@link dev.sluice.limit.GradientLimit}; adaptive limits learn from
 *     the latency and outcome each released permit reports.</li>
 * <li>{@link dev.sluice.limit.TokenBucket}: at most R per second with bursts of B; computes waits and
 *     {@code Retry-After} from one number, with no thread or timer.</li>
 * <li>{@link dev.sluice.limit.KeyedLimiter}: one of either per client key, in a table whose memory is
 *     bounded whatever the number of keys.</li>
 * </ul>
 *
 * <p>Overload is signalled by {@link dev.sluice.limit.LimitExceededException} and its subclasses, shutdown by
 * {@link dev.sluice.limit.LimiterClosedException}, and a done {@link dev.sluice.Context} by its own
 * exceptions, so callers can retry the first and not the others. Every time source is an injectable
 * nanosecond clock, so tests drive limiters with simulated time.
 */
package dev.sluice.limit;
