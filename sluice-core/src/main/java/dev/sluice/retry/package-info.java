/**
 * Retries that cannot multiply an overload: {@link dev.sluice.retry.RetryPolicy} (exponential backoff
 * with full jitter, bounded by attempts and total time, stopped at once by a cancelled context),
 * {@link dev.sluice.retry.RetryBudget} (retries add at most a fixed fraction of extra load over a sliding
 * window) and {@link dev.sluice.retry.Hedge} (a second attempt only after a delay; the first success wins
 * and the others are cancelled).
 *
 * <p>Time comes from an injectable nano clock ({@code LongSupplier}), randomness from an injectable
 * {@link java.util.random.RandomGenerator}, and waiting from an injectable {@link dev.sluice.retry.Pause},
 * so that tests are deterministic.
 */
package dev.sluice.retry;
