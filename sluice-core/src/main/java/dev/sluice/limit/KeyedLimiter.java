package dev.sluice.limit;

import dev.sluice.Context;
import dev.sluice.limit.internal.KeyedLimiterImpl;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * One limiter per client key (a user, a tenant, an IP address), each a {@link TokenBucket} or a
 * {@link ConcurrencyLimiter} with the same settings, made on first use, in a table whose size is bounded
 * whatever the number of distinct keys: memory stays proportional to {@code maxKeys}, not to the traffic.
 *
 * <p>Admission returns a {@link Permit} for both kinds, so callers treat them alike: for a concurrency
 * limiter it is the key's permit, to be released when the request ends; for a token bucket the tokens are
 * spent, and releasing the permit (still good practice) does nothing.
 *
 * <p><b>Bound and eviction.</b> The table holds at most {@code maxKeys} entries, split into stripes (each
 * with its own lock, least recently used order, and an exact share of the bound). A key that has not been
 * used for {@code idleTimeout} expires. When a stripe is full, a new key evicts one entry of that stripe:
 * among its least recently used few, preferably one whose state is fresh (a full bucket, a limiter with
 * nothing in flight), whose removal therefore changes nothing; otherwise its least recently used entry.
 * An evicted key starts again with a fresh limiter when it returns: a full bucket, or a limiter with
 * nothing in flight (its earlier permits still release into the old one). So size {@code maxKeys} above
 * the number of keys that are active at once; a flood of distinct keys then evicts the flood's own idle
 * entries first.
 *
 * <p>Blocking behaviour, exceptions, and the memory consistency effects are those of the per-key limiter
 * ({@link TokenBucket#acquire(Context, long)}, {@link ConcurrencyLimiter#acquire(Context, int)}); the
 * table lock is never held while waiting. A null key throws {@link NullPointerException}.
 *
 * @param <K> the key type; keys must have consistent {@code equals} and {@code hashCode}
 */
public interface KeyedLimiter<K> {

    /** A builder; choose the per-key limiter with {@link Builder#tokenBucket} or {@link Builder#concurrency}. */
    static <K> Builder<K> builder() {
        return new Builder<>();
    }

    /** Admits one unit for {@code key} now, or returns null. Never blocks. */
    Permit tryAcquire(K key);

    /** Admits {@code weight} units (tokens) for {@code key} now, or returns null. Never blocks. */
    Permit tryAcquire(K key, int weight);

    /** Admits one unit for {@code key}, waiting until admitted or the context is done. */
    Permit acquire(K key, Context context) throws InterruptedException;

    /** Admits {@code weight} units for {@code key}, waiting until admitted or the context is done. */
    Permit acquire(K key, Context context, int weight) throws InterruptedException;

    /**
     * For token buckets: nanoseconds until {@code weight} tokens are available for {@code key} (0 if now;
     * for a {@code Retry-After}). For concurrency limiters: 0 if {@code weight} units would be admitted now,
     * otherwise -1 (unknown: it depends on when permits are released). Does not create an entry.
     */
    long nanosUntilAvailable(K key, int weight);

    /** Entries in the table now; never more than {@link #maxKeys()}. */
    int size();

    /** The bound on the number of entries. */
    int maxKeys();

    /** Entries removed so far to make room or because they were idle. */
    long evictions();

    /** Removes every entry idle for longer than the idle timeout now (it also happens as keys are added). */
    void cleanUp();

    /** Builds a {@link KeyedLimiter}. Not thread-safe; fails fast on bad values. */
    final class Builder<K> {
        private int maxKeys = 10_000;
        private long idleTimeoutNanos = Duration.ofMinutes(10).toNanos();
        private LongSupplier clock = System::nanoTime;
        private TokenBucket.Builder bucket;
        private int concurrency;
        private int maxWaitersPerKey = 16;

        private Builder() { }

        /** The most keys held at once (default 10,000), at least 1. */
        public Builder<K> maxKeys(int maxKeys) {
            if (maxKeys < 1) {
                throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
            }
            this.maxKeys = maxKeys;
            return this;
        }

        /** How long an unused key is kept (default 10 minutes). */
        public Builder<K> idleTimeout(Duration idle) {
            Objects.requireNonNull(idle, "idle");
            if (idle.isNegative() || idle.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive, was " + idle);
            }
            this.idleTimeoutNanos = idle.toNanos();
            return this;
        }

        /** The nanosecond clock for idle times and the buckets (default {@link System#nanoTime()}). */
        public Builder<K> clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** Each key gets a token bucket refilling {@code tokens} per {@code period}, holding at most {@code burst}. */
        public Builder<K> tokenBucket(long tokens, Duration period, long burst) {
            if (concurrency > 0) {
                throw new IllegalStateException("concurrency(" + concurrency + ") was already chosen");
            }
            this.bucket = TokenBucket.builder().rate(tokens, period).burst(burst);
            return this;
        }

        /** Each key gets a FIFO concurrency limiter with a fixed limit of {@code limit} units. */
        public Builder<K> concurrency(int limit) {
            if (bucket != null) {
                throw new IllegalStateException("tokenBucket(...) was already chosen");
            }
            FixedLimit.of(limit); // validates
            this.concurrency = limit;
            return this;
        }

        /** For concurrency limiters: the most callers waiting per key (default 16; 0 means never wait). */
        public Builder<K> maxWaitersPerKey(int maxWaiters) {
            if (maxWaiters < 0) {
                throw new IllegalArgumentException("maxWaitersPerKey must not be negative, was " + maxWaiters);
            }
            this.maxWaitersPerKey = maxWaiters;
            return this;
        }

        /** @throws IllegalStateException if neither tokenBucket nor concurrency was chosen */
        public KeyedLimiter<K> build() {
            if (bucket == null && concurrency == 0) {
                throw new IllegalStateException("choose tokenBucket(...) or concurrency(...)");
            }
            if (bucket != null) {
                TokenBucket.Builder b = bucket.clock(clock);
                long burst = b.build().burst(); // also validates the settings once
                return new KeyedLimiterImpl<>(maxKeys, idleTimeoutNanos, clock, b::build, null, burst);
            }
            ConcurrencyLimiter.Builder c = ConcurrencyLimiter.builder().limit(concurrency)
                    .maxWaiters(maxWaitersPerKey).clock(clock).name("keyed");
            return new KeyedLimiterImpl<>(maxKeys, idleTimeoutNanos, clock, null, c::build, 1_000_000L);
        }
    }
}
