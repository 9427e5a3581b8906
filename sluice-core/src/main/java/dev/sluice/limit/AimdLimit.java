package dev.sluice.limit;

import dev.sluice.Context;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Additive increase, multiplicative decrease, as in TCP congestion control. Each successful sample that
 * arrives while the limit is in real use (at least half of it in flight) adds {@code 1 / limit}, so the
 * limit grows by about one per round of requests; a sample that was dropped, or whose latency is above the
 * optional {@linkplain Builder#latencyTarget target}, multiplies the limit by the backoff ratio.
 *
 * <p>One decrease per round: samples of requests that started before the last decrease are ignored for
 * decreasing, because they were admitted under the old limit and that overload has already been answered.
 * Without this rule a burst of {@code n} timeouts would shrink the limit {@code n} times.
 *
 * <p>The limit stays within {@code [minLimit, maxLimit]}; the floor is at least 1, so the limit can
 * never lock itself at zero (with no permits nobody could report the success that lets it grow again).
 *
 * <p>Thread-safe and lock-free: the limit is one {@code double} updated by compare-and-set;
 * {@link #onSample} allocates nothing and notifies listeners only when the integer limit changes.
 */
public final class AimdLimit implements Limit {

    /*
     * State: the fractional limit (as double bits, CAS) and the end time of the request that caused the
     * last decrease (CAS, so that of several concurrent congested samples exactly one decreases).
     */

    private static final long NO_DECREASE = Long.MIN_VALUE;
    private static final VarHandle LIMIT_BITS;
    private static final VarHandle LAST_DECREASE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            LIMIT_BITS = l.findVarHandle(AimdLimit.class, "limitBits", long.class);
            LAST_DECREASE = l.findVarHandle(AimdLimit.class, "lastDecreaseNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int minLimit;
    private final int maxLimit;
    private final double backoffRatio;
    private final long latencyTargetNanos; // 0 = drops only
    private final LimitSupport.Listeners listeners = new LimitSupport.Listeners();
    private volatile long limitBits;
    private volatile long lastDecreaseNanos = NO_DECREASE;

    private AimdLimit(Builder b) {
        this.minLimit = b.minLimit;
        this.maxLimit = b.maxLimit;
        this.backoffRatio = b.backoffRatio;
        this.latencyTargetNanos = b.latencyTargetNanos;
        this.limitBits = Double.doubleToRawLongBits(b.initialLimit);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public int currentLimit() {
        return (int) Double.longBitsToDouble(limitBits);
    }

    @Override
    public void onSample(long startNanos, long rttNanos, int inflight, boolean dropped) {
        LimitSupport.checkSample(rttNanos, inflight);
        boolean congested = dropped || (latencyTargetNanos > 0 && rttNanos > latencyTargetNanos);
        if (congested) {
            long last = lastDecreaseNanos;
            if (last != NO_DECREASE && startNanos - last < 0) {
                return; // admitted before the last decrease: already answered
            }
            if (!LAST_DECREASE.compareAndSet(this, last, startNanos + rttNanos)) {
                return; // another congested sample won the right to decrease
            }
            update(-1);
        } else {
            long bits = limitBits;
            if (inflight * 2L < (long) Double.longBitsToDouble(bits)) {
                return; // not using the limit: no evidence that more would be fine
            }
            update(+1);
        }
    }

    /** direction +1: additive increase; -1: multiplicative decrease. CAS loop on the limit's bits. */
    private void update(int direction) {
        for (;;) {
            long bits = limitBits;
            double cur = Double.longBitsToDouble(bits);
            double next = direction > 0 ? Math.min(maxLimit, cur + 1.0 / cur) : Math.max(minLimit, cur * backoffRatio);
            if (next == cur) {
                return;
            }
            if (LIMIT_BITS.compareAndSet(this, bits, Double.doubleToRawLongBits(next))) {
                if ((int) next != (int) cur) {
                    listeners.notify((int) next);
                }
                return;
            }
        }
    }

    @Override
    public Context.Registration onChange(IntConsumer listener) {
        return listeners.add(listener);
    }

    @Override
    public String toString() {
        return "AimdLimit[limit=" + currentLimit() + ", min=" + minLimit + ", max=" + maxLimit + ", backoff=" + backoffRatio + "]";
    }

    /** Builds an {@link AimdLimit}. Not thread-safe; each {@link #build()} makes an independent limit. */
    public static final class Builder {
        private int initialLimit = 20;
        private int minLimit = 1;
        private int maxLimit = 1000;
        private double backoffRatio = 0.9;
        private long latencyTargetNanos;

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

        /** The factor applied on congestion (default 0.9), in [0.5, 1). */
        public Builder backoffRatio(double ratio) {
            if (!(ratio >= 0.5 && ratio < 1.0)) {
                throw new IllegalArgumentException("backoffRatio must be in [0.5, 1), was " + ratio);
            }
            this.backoffRatio = ratio;
            return this;
        }

        /** A latency above which a success counts as congestion (default: none, drops only). */
        public Builder latencyTarget(Duration target) {
            Objects.requireNonNull(target, "target");
            if (target.isNegative() || target.isZero()) {
                throw new IllegalArgumentException("latencyTarget must be positive, was " + target);
            }
            this.latencyTargetNanos = target.toNanos();
            return this;
        }

        /** @throws IllegalArgumentException if the bounds are inconsistent */
        public AimdLimit build() {
            LimitSupport.checkBounds(initialLimit, minLimit, maxLimit);
            return new AimdLimit(this);
        }
    }
}
