package dev.sluice.limit;

import dev.sluice.Context;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A latency-gradient limit: it compares the latency now with a baseline (the latency when nothing
 * queues) and scales the limit by their ratio. While the latency stays within {@code tolerance} times the
 * baseline the limit grows by about the square root of itself per window (room to probe for more); when
 * the latency rises above that, the limit is scaled down toward the concurrency that would bring the
 * latency back to {@code tolerance} times the baseline, by at most half per window; a drop counts as the
 * strongest decrease. Each step is smoothed, and the limit stays within {@code [minLimit, maxLimit]}
 * (the floor is at least 1).
 *
 * <p>Samples are aggregated in windows, one decision per window: a window closes when it holds at least
 * {@code minWindowSamples} samples and spans at least the previous window's mean latency (on the sample
 * clock), so the
 * limit moves about once per round trip rather than once per request. The latency of a window is the mean
 * of its successful samples; dropped samples only mark the window as dropped (a fast rejection must not
 * look like a fast service).
 *
 * <p>The baseline is the smallest window mean seen over the last {@code baselineWindow} (default 30 s,
 * kept as the minimum of two rotating halves). So the limit follows a service that got permanently slower
 * after at most that long; a queue that stands for longer than that would be mistaken for a slower service.
 *
 * <p>Thread-safe and allocation-free: {@link #onSample} takes an internal lock with {@code tryLock} and,
 * if another thread holds it, skips that sample rather than wait (samples are statistical; losing a few
 * under contention changes nothing). It never blocks.
 */
public final class GradientLimit implements Limit {

    /*
     * Written from the idea (a ratio of a long-term to a short-term latency drives a multiplicative
     * change, plus a square-root probe), not from another implementation. Deliberate choices: decisions
     * per window instead of per sample (so a burst of samples from one round does not compound), a
     * windowed minimum instead of an average for the baseline (an average drifts up with a standing
     * queue within seconds), and the probe only when at least half the limit is in use.
     */

    private final int minLimit;
    private final int maxLimit;
    private final double tolerance;
    private final double smoothing;
    private final int minWindowSamples;
    private final long baselineHalfNanos;
    private final LimitSupport.Listeners listeners = new LimitSupport.Listeners();
    private final ReentrantLock lock = new ReentrantLock();

    private volatile int current;

    // Guarded by lock.
    private double limit;
    private boolean windowOpen;
    private long windowStart;
    private int windowCount;
    private int windowLatencyCount;
    private double lastMean;
    private long windowRttSum;
    private int windowMaxInflight;
    private boolean windowDropped;
    private boolean bucketOpen;
    private long bucketStart;
    private double currentBucketMin = Double.MAX_VALUE;
    private double previousBucketMin = Double.MAX_VALUE;

    private GradientLimit(Builder b) {
        this.minLimit = b.minLimit;
        this.maxLimit = b.maxLimit;
        this.tolerance = b.tolerance;
        this.smoothing = b.smoothing;
        this.minWindowSamples = b.minWindowSamples;
        this.baselineHalfNanos = Math.max(1L, b.baselineWindowNanos / 2);
        this.limit = b.initialLimit;
        this.current = b.initialLimit;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public int currentLimit() {
        return current;
    }

    @Override
    public void onSample(long startNanos, long rttNanos, int inflight, boolean dropped) {
        LimitSupport.checkSample(rttNanos, inflight);
        if (!lock.tryLock()) {
            return; // another thread is updating: skip this sample rather than wait
        }
        int changedTo = -1;
        try {
            long end = startNanos + rttNanos;
            if (!windowOpen) {
                windowOpen = true;
                windowStart = end;
            }
            windowCount++;
            if (dropped) {
                // A drop's latency (often a fast rejection) says nothing about service time: keep it out
                // of the mean and the baseline, or fast failures would look like a fast service.
                windowDropped = true;
            } else {
                windowLatencyCount++;
                windowRttSum += rttNanos;
            }
            windowMaxInflight = Math.max(windowMaxInflight, inflight);
            long span = (long) lastMean; // one round trip at the latency seen last: effects of a change show
                                         // up only a round trip later, so deciding faster would overshoot
            if (windowCount >= minWindowSamples && end - windowStart >= span) {
                changedTo = closeWindow(end);
            }
        } finally {
            lock.unlock();
        }
        if (changedTo >= 0) {
            listeners.notify(changedTo);
        }
    }

    /** Decides once for the window that just closed; returns the new integer limit if it changed, else -1. */
    private int closeWindow(long now) {
        if (!bucketOpen) {
            bucketOpen = true;
            bucketStart = now;
        } else if (now - bucketStart >= baselineHalfNanos) {
            previousBucketMin = currentBucketMin;
            currentBucketMin = Double.MAX_VALUE;
            bucketStart = now;
        }
        double gradient = 0.5;
        if (windowLatencyCount > 0) {
            double mean = (double) windowRttSum / windowLatencyCount;
            lastMean = mean;
            currentBucketMin = Math.min(currentBucketMin, Math.max(mean, 1.0));
            double baseline = Math.min(currentBucketMin, previousBucketMin);
            if (!windowDropped) {
                gradient = Math.max(0.5, Math.min(1.0, tolerance * baseline / mean));
            }
        }
        double target;
        if (gradient >= 1.0) {
            // Within tolerance: probe upward, but only if the limit is actually in use.
            target = windowMaxInflight * 2L >= limit ? limit + Math.sqrt(limit) : limit;
        } else {
            target = limit * gradient;
        }
        double next = limit + smoothing * (target - limit);
        next = Math.max(minLimit, Math.min(maxLimit, next));
        int before = (int) limit;
        limit = next;
        windowOpen = false;
        windowCount = 0;
        windowLatencyCount = 0;
        windowRttSum = 0;
        windowMaxInflight = 0;
        windowDropped = false;
        if ((int) next != before) {
            current = (int) next;
            return (int) next;
        }
        return -1;
    }

    @Override
    public Context.Registration onChange(IntConsumer listener) {
        return listeners.add(listener);
    }

    @Override
    public String toString() {
        return "GradientLimit[limit=" + current + ", min=" + minLimit + ", max=" + maxLimit + ", tolerance=" + tolerance + "]";
    }

    /** Builds a {@link GradientLimit}. Not thread-safe; each {@link #build()} makes an independent limit. */
    public static final class Builder {
        private int initialLimit = 20;
        private int minLimit = 1;
        private int maxLimit = 1000;
        private double tolerance = 1.5;
        private double smoothing = 0.2;
        private int minWindowSamples = 10;
        private long baselineWindowNanos = Duration.ofSeconds(30).toNanos();

        private Builder() { }

        /** The starting limit (default 20); must lie within [minLimit, maxLimit] when built. */
        public Builder initialLimit(int initialLimit) {
            this.initialLimit = initialLimit;
            return this;
        }

        /** The floor (default 1), at least 1. */
        public Builder minLimit(int minLimit) {
            this.minLimit = minLimit;
            return this;
        }

        /** The ceiling (default 1000). */
        public Builder maxLimit(int maxLimit) {
            this.maxLimit = maxLimit;
            return this;
        }

        /** How much latency above the baseline is accepted before the limit shrinks (default 1.5), at least 1. */
        public Builder tolerance(double tolerance) {
            if (!(tolerance >= 1.0 && tolerance <= 10.0)) {
                throw new IllegalArgumentException("tolerance must be in [1, 10], was " + tolerance);
            }
            this.tolerance = tolerance;
            return this;
        }

        /** The fraction of each step that is applied (default 0.2), in (0, 1]. */
        public Builder smoothing(double smoothing) {
            if (!(smoothing > 0.0 && smoothing <= 1.0)) {
                throw new IllegalArgumentException("smoothing must be in (0, 1], was " + smoothing);
            }
            this.smoothing = smoothing;
            return this;
        }

        /** The fewest samples a window holds before it decides (default 10), at least 1. */
        public Builder minWindowSamples(int samples) {
            if (samples < 1) {
                throw new IllegalArgumentException("minWindowSamples must be at least 1, was " + samples);
            }
            this.minWindowSamples = samples;
            return this;
        }

        /** How long the baseline latency is remembered (default 30 s). */
        public Builder baselineWindow(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("baselineWindow must be positive, was " + window);
            }
            this.baselineWindowNanos = window.toNanos();
            return this;
        }

        /** @throws IllegalArgumentException if the bounds are inconsistent */
        public GradientLimit build() {
            LimitSupport.checkBounds(initialLimit, minLimit, maxLimit);
            return new GradientLimit(this);
        }
    }
}
