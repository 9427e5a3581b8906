package dev.sluice.retry;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A cap on the extra load retries may add: over a sliding window, retries may be at most
 * {@code ratio × requests + reserve}, where requests are first attempts. With a ratio of 0.1, a
 * downstream that fails every call sees at most about 10% more calls than it would without retries,
 * instead of {@code maxAttempts} times as many; retries can no longer multiply an overload. Share one
 * budget among every caller of one downstream. Thread-safe.
 *
 * <p>The window is divided into {@code buckets} slots of equal length on an injectable nano clock; the
 * window is the current slot and the {@code buckets - 1} before it, so it slides one slot at a time and
 * memory stays fixed (two counters per slot) whatever the traffic. The {@code reserve} lets a quiet
 * service retry a few times even with few requests in the window.
 *
 * <p>The guarantee: whenever {@link #tryAcquireRetry()} grants a retry, the retries granted in the
 * current window, that one included, are at most {@code ratio × requests + reserve} for the requests
 * recorded in the same window.
 */
public final class RetryBudget {

    private final double ratio;
    private final int reserve;
    private final long bucketNanos;
    private final LongSupplier clock;
    private final long origin;

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock: per slot, the bucket index it holds and its counts.
    private final long[] epochs;
    private final long[] requests;
    private final long[] retries;
    private long refused;

    private RetryBudget(Builder b) {
        this.ratio = b.ratio;
        this.reserve = b.reserve;
        this.bucketNanos = Math.max(1L, b.windowNanos / b.buckets);
        this.clock = b.clock;
        this.origin = clock.getAsLong();
        this.epochs = new long[b.buckets];
        this.requests = new long[b.buckets];
        this.retries = new long[b.buckets];
        Arrays.fill(epochs, Long.MIN_VALUE);
    }

    /** A builder with the defaults: ratio 0.1, a 10 s window of 10 buckets, a reserve of 10 retries per window. */
    public static Builder builder() {
        return new Builder();
    }

    /** Records a first attempt (a request), which earns {@code ratio} of a retry. */
    public void recordRequest() {
        lock.lock();
        try {
            requests[slot(currentBucket())]++;
        } finally {
            lock.unlock();
        }
    }

    /** Grants and records one retry if it fits in the budget; otherwise records a refusal and returns false. */
    public boolean tryAcquireRetry() {
        lock.lock();
        try {
            long bucket = currentBucket();
            int slot = slot(bucket);
            long req = 0;
            long ret = 0;
            for (int i = 0; i < epochs.length; i++) {
                if (epochs[i] > bucket - epochs.length) {
                    req += requests[i];
                    ret += retries[i];
                }
            }
            if (ret + 1 <= ratio * req + reserve) {
                retries[slot]++;
                return true;
            }
            refused++;
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** The counts in the current window, and the refusals since the budget was made. */
    public Snapshot snapshot() {
        lock.lock();
        try {
            long bucket = currentBucket();
            slot(bucket);
            long req = 0;
            long ret = 0;
            for (int i = 0; i < epochs.length; i++) {
                if (epochs[i] > bucket - epochs.length) {
                    req += requests[i];
                    ret += retries[i];
                }
            }
            return new Snapshot(req, ret, refused);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counts of a {@link RetryBudget}.
     *
     * @param requests       first attempts recorded in the current window
     * @param retries        retries granted in the current window
     * @param refusedRetries retries refused since the budget was made
     */
    public record Snapshot(long requests, long retries, long refusedRetries) {
    }

    private long currentBucket() {
        return Math.floorDiv(clock.getAsLong() - origin, bucketNanos);
    }

    /** The slot of {@code bucket}, cleared first if it still holds an older bucket. Lock held. */
    private int slot(long bucket) {
        int s = (int) Math.floorMod(bucket, (long) epochs.length);
        if (epochs[s] != bucket) {
            epochs[s] = bucket;
            requests[s] = 0;
            retries[s] = 0;
        }
        return s;
    }

    /** Configures a {@link RetryBudget}. Not thread-safe. */
    public static final class Builder {
        private double ratio = 0.1;
        private long windowNanos = Duration.ofSeconds(10).toNanos();
        private int buckets = 10;
        private int reserve = 10;
        private LongSupplier clock = System::nanoTime;

        private Builder() { }

        /** Retries allowed per request in the window: 0.1 means at most 10% extra load. From 0 to 10. */
        public Builder ratio(double ratio) {
            if (!(ratio >= 0.0 && ratio <= 10.0)) {
                throw new IllegalArgumentException("ratio must be between 0 and 10, got " + ratio);
            }
            this.ratio = ratio;
            return this;
        }

        /** The length of the sliding window (at least 1 ms). */
        public Builder window(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("window must be at least 1 ms, got " + window);
            }
            this.windowNanos = window.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : window.toNanos();
            return this;
        }

        /** How many slots the window slides by (1 to 1,000); more slots slide more smoothly. */
        public Builder buckets(int buckets) {
            if (buckets < 1 || buckets > 1_000) {
                throw new IllegalArgumentException("buckets must be between 1 and 1000, got " + buckets);
            }
            this.buckets = buckets;
            return this;
        }

        /** Retries allowed per window on top of the ratio (0 or more), so that a quiet service can retry at all. */
        public Builder reserve(int retriesPerWindow) {
            if (retriesPerWindow < 0) {
                throw new IllegalArgumentException("reserve must be >= 0, got " + retriesPerWindow);
            }
            this.reserve = retriesPerWindow;
            return this;
        }

        /** The nano clock (default {@code System::nanoTime}). */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        public RetryBudget build() {
            return new RetryBudget(this);
        }
    }
}
